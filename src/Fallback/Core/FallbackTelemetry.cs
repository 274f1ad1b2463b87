using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AgentHost.Fallback.Core;

/// <summary>
/// The chain's spans and metrics, both named <see cref="Name"/> (<c>AgentHost.Fallback</c>). The meter is the chain's
/// own, made by the container's <see cref="IMeterFactory"/> when there is one. An attempt is a GenAI client operation
/// against one backend, so its duration and time to first chunk use the OpenTelemetry GenAI names and attributes
/// (<c>gen_ai.client.operation.*</c>, <c>gen_ai.operation.name</c>, <c>gen_ai.provider.name</c>,
/// <c>gen_ai.request.model</c>, <c>error.type</c>); what the conventions have no name for is <c>agenthost.fallback.*</c>.
/// The chain's counters are labelled <c>backend</c>, <c>outcome</c> and <c>route</c> (skips also <c>reason</c>, a fixed
/// word: <see cref="SkipReasonLabel"/>); the GenAI histograms keep the conventions' attributes (the backend is
/// <c>gen_ai.provider.name</c>, a failure's outcome <c>error.type</c>) and add only <c>route</c>, which they have no name for.
/// The route is the chain's own decision (<see cref="FallbackRouteDecision"/>), so no host is needed to label it.
/// </summary>
internal sealed class FallbackTelemetry
{
    public const string Name = "AgentHost.Fallback";

    /// <summary>Spans have no factory in .NET: one source, as MEAI's and Polly's own telemetry have.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _requests;
    private readonly Counter<long> _skips;
    private readonly Counter<long> _failovers;
    private readonly Counter<long> _exhausted;
    private readonly Counter<long> _circuitOpens;
    private readonly Histogram<double> _timeToFirstChunk;
    private readonly Histogram<double> _duration;

    /// <summary>
    /// Bucket boundaries in seconds: the GenAI conventions' for operation durations (0.01 s doubling to 81.92 s), then on to
    /// about 11 minutes, since Victoria's runs of minutes are normal. Without advice an exporter's defaults suit milliseconds.
    /// </summary>
    private static readonly InstrumentAdvice<double> SecondsAdvice = new()
    {
        HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, 163.84, 327.68, 655.36],
    };

    private FallbackTelemetry(Meter meter)
    {
        _requests = meter.CreateCounter<long>(
            "agenthost.fallback.requests", "{attempt}", "Backend attempts by backend and outcome (succeeded, failed, skipped, cancelled, deferred).");
        _skips = meter.CreateCounter<long>(
            "agenthost.fallback.skips", "{attempt}", "Backends not asked (skipped) or put last (deferred), by backend, outcome, reason and route.");
        _failovers = meter.CreateCounter<long>(
            "agenthost.fallback.failovers", "{failover}", "Times a failed backend handed the call on to the next one.");
        _exhausted = meter.CreateCounter<long>("agenthost.fallback.exhausted", "{call}", "Model calls no backend answered.");
        _circuitOpens = meter.CreateCounter<long>("agenthost.fallback.circuit_opened", "{event}", "Times a backend's circuit breaker opened.");
        _timeToFirstChunk = meter.CreateHistogram(
            "gen_ai.client.operation.time_to_first_chunk", "s", "Time from the start of a streamed attempt to its first content.", null, SecondsAdvice);
        _duration = meter.CreateHistogram("gen_ai.client.operation.duration", "s", "Duration of backend attempts (GenAI client operations).", null, SecondsAdvice);
    }

    /// <summary>The telemetry of the chains (and resilience steps) built without a meter factory: one meter for all of them.</summary>
    public static FallbackTelemetry Shared { get; } = new(new Meter(Name));

    /// <summary>Telemetry on a meter of <paramref name="meterFactory"/> (the container's), else <see cref="Shared"/>.</summary>
    public static FallbackTelemetry For(IMeterFactory? meterFactory) => meterFactory is null ? Shared : new(meterFactory.Create(Name));

    /// <summary>Records one attempt of a call on <paramref name="route"/>: its count, and unless it was skipped or deferred its duration (and time to first chunk when streamed).</summary>
    /// <param name="attempt">The attempt.</param>
    /// <param name="streaming">Whether the call streamed.</param>
    /// <param name="route">The call's route.</param>
    /// <param name="operation">The GenAI operation: <c>chat</c>, or <c>embeddings</c> for the embedding chain.</param>
    public void Attempt(FallbackAttempt attempt, bool streaming, string route, string operation = "chat")
    {
        if (!_requests.Enabled && !_skips.Enabled && !_duration.Enabled && !_timeToFirstChunk.Enabled)
        {
            return;
        }

        var backend = new KeyValuePair<string, object?>("backend", attempt.Backend);
        var outcome = new KeyValuePair<string, object?>("outcome", OutcomeName(attempt.Outcome));
        var routeTag = new KeyValuePair<string, object?>("route", route);
        _requests.Add(1, backend, outcome, routeTag);
        if (attempt.Outcome is FallbackAttemptOutcome.Skipped or FallbackAttemptOutcome.Deferred)
        {
            _skips.Add(1, backend, outcome, new KeyValuePair<string, object?>("reason", SkipReasonLabel.Of(attempt.SkipReason)), routeTag);
            return;
        }

        var tags = new TagList
        {
            { "gen_ai.operation.name", operation },
            { "gen_ai.provider.name", attempt.Backend },
            routeTag,
        };
        if (attempt.Model is { } model)
        {
            tags.Add("gen_ai.request.model", model);
        }

        if (attempt.Outcome is not FallbackAttemptOutcome.Succeeded)
        {
            tags.Add("error.type", OutcomeName(attempt.Outcome));
        }

        _duration.Record(attempt.Duration.TotalSeconds, tags);
        if (streaming && attempt.TimeToFirstToken is { } ttft)
        {
            _timeToFirstChunk.Record(ttft.TotalSeconds, tags);
        }
    }

    private static string OutcomeName(FallbackAttemptOutcome outcome) => outcome switch
    {
        FallbackAttemptOutcome.Succeeded => "succeeded",
        FallbackAttemptOutcome.Failed => "failed",
        FallbackAttemptOutcome.Skipped => "skipped",
        FallbackAttemptOutcome.Cancelled => "cancelled",
        FallbackAttemptOutcome.Deferred => "deferred",
        _ => outcome.ToString().ToLowerInvariant(),
    };

    /// <summary>Counts a failure of <paramref name="from"/> that handed a call on <paramref name="route"/> to the next backend.</summary>
    public void Failover(string from, string route) =>
        _failovers.Add(1, new KeyValuePair<string, object?>("backend", from), new KeyValuePair<string, object?>("route", route));

    /// <summary>Counts a call on <paramref name="route"/> that no backend answered.</summary>
    public void NoBackendAnswered(string route) => _exhausted.Add(1, new KeyValuePair<string, object?>("route", route));

    /// <summary>Counts an opening of <paramref name="backend"/>'s circuit breaker (no call's route: the breaker is the backend's).</summary>
    public void CircuitOpened(string backend) => _circuitOpens.Add(1, new KeyValuePair<string, object?>("backend", backend));
}
