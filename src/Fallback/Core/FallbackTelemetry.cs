using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AgentHost.Fallback.Core;

/// <summary>
/// The chain's spans and metrics, both named <see cref="Name"/> (<c>AgentHost.Fallback</c>). The meter is the chain's
/// own, made by the container's <see cref="IMeterFactory"/> when there is one. An attempt is a GenAI client operation
/// against one backend, so its duration and time to first chunk use the OpenTelemetry GenAI names and attributes
/// (<c>gen_ai.client.operation.*</c>, <c>gen_ai.operation.name</c>, <c>gen_ai.provider.name</c>,
/// <c>gen_ai.request.model</c>, <c>error.type</c>); what the conventions have no name for is <c>agenthost.fallback.*</c>.
/// </summary>
internal sealed class FallbackTelemetry
{
    public const string Name = "AgentHost.Fallback";

    /// <summary>Spans have no factory in .NET: one source, as MEAI's and Polly's own telemetry have.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _requests;
    private readonly Counter<long> _failovers;
    private readonly Counter<long> _exhausted;
    private readonly Counter<long> _circuitOpens;
    private readonly Histogram<double> _timeToFirstChunk;
    private readonly Histogram<double> _duration;

    private FallbackTelemetry(Meter meter)
    {
        _requests = meter.CreateCounter<long>(
            "agenthost.fallback.requests", "{attempt}", "Backend attempts by backend and outcome (succeeded, failed, skipped, cancelled, deferred).");
        _failovers = meter.CreateCounter<long>(
            "agenthost.fallback.failovers", "{failover}", "Times a failed backend handed the call on to the next one.");
        _exhausted = meter.CreateCounter<long>("agenthost.fallback.exhausted", "{call}", "Model calls no backend answered.");
        _circuitOpens = meter.CreateCounter<long>("agenthost.fallback.circuit_opened", "{event}", "Times a backend's circuit breaker opened.");
        _timeToFirstChunk = meter.CreateHistogram<double>(
            "gen_ai.client.operation.time_to_first_chunk", "s", "Time from the start of a streamed attempt to its first content.");
        _duration = meter.CreateHistogram<double>("gen_ai.client.operation.duration", "s", "Duration of backend attempts (GenAI client operations).");
    }

    /// <summary>The telemetry of the chains (and resilience steps) built without a meter factory: one meter for all of them.</summary>
    public static FallbackTelemetry Shared { get; } = new(new Meter(Name));

    /// <summary>Telemetry on a meter of <paramref name="meterFactory"/> (the container's), else <see cref="Shared"/>.</summary>
    public static FallbackTelemetry For(IMeterFactory? meterFactory) => meterFactory is null ? Shared : new(meterFactory.Create(Name));

    public void Attempt(FallbackAttempt attempt, bool streaming)
    {
        if (!_requests.Enabled && !_duration.Enabled && !_timeToFirstChunk.Enabled)
        {
            return;
        }

        var backend = new KeyValuePair<string, object?>("backend", attempt.Backend);
        _requests.Add(1, backend, new KeyValuePair<string, object?>("outcome", OutcomeName(attempt.Outcome)));
        if (attempt.Outcome is FallbackAttemptOutcome.Skipped or FallbackAttemptOutcome.Deferred)
        {
            return;
        }

        var tags = new TagList
        {
            { "gen_ai.operation.name", "chat" },
            { "gen_ai.provider.name", attempt.Backend },
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

    public void Failover(string from) => _failovers.Add(1, new KeyValuePair<string, object?>("backend", from));

    public void NoBackendAnswered() => _exhausted.Add(1);

    public void CircuitOpened(string backend) => _circuitOpens.Add(1, new KeyValuePair<string, object?>("backend", backend));
}
