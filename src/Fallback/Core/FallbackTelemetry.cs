using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AgentHost.Fallback.Core;

/// <summary>The chain's spans and metrics, both named <see cref="Name"/> (<c>AgentHost.Fallback</c>).</summary>
internal static class FallbackTelemetry
{
    public const string Name = "AgentHost.Fallback";

    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "agenthost.fallback.requests", "{attempt}", "Backend attempts by backend and outcome (succeeded, failed, skipped, cancelled, deferred).");

    private static readonly Counter<long> Failovers = Meter.CreateCounter<long>(
        "agenthost.fallback.failovers", "{failover}", "Times a failed backend handed the call on to the next one.");

    private static readonly Counter<long> Exhausted = Meter.CreateCounter<long>(
        "agenthost.fallback.exhausted", "{call}", "Model calls no backend answered.");

    private static readonly Counter<long> CircuitOpens = Meter.CreateCounter<long>(
        "agenthost.fallback.circuit_opened", "{event}", "Times a backend's circuit breaker opened.");

    private static readonly Histogram<double> TimeToFirstToken = Meter.CreateHistogram<double>(
        "agenthost.fallback.time_to_first_token", "s", "Time from the start of an attempt to its first content.");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "agenthost.fallback.duration", "s", "Duration of backend attempts by backend and outcome.");

    public static void Attempt(FallbackAttempt attempt)
    {
        if (!Requests.Enabled && !Duration.Enabled && !TimeToFirstToken.Enabled)
        {
            return;
        }

        var backend = new KeyValuePair<string, object?>("backend", attempt.Backend);
        var outcome = new KeyValuePair<string, object?>("outcome", OutcomeName(attempt.Outcome));
        Requests.Add(1, backend, outcome);
        if (attempt.Outcome is not (FallbackAttemptOutcome.Skipped or FallbackAttemptOutcome.Deferred))
        {
            Duration.Record(attempt.Duration.TotalSeconds, backend, outcome);
        }

        if (attempt.TimeToFirstToken is { } ttft)
        {
            TimeToFirstToken.Record(ttft.TotalSeconds, backend);
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

    public static void Failover(string from) => Failovers.Add(1, new KeyValuePair<string, object?>("backend", from));

    public static void NoBackendAnswered() => Exhausted.Add(1);

    public static void CircuitOpened(string backend) => CircuitOpens.Add(1, new KeyValuePair<string, object?>("backend", backend));
}
