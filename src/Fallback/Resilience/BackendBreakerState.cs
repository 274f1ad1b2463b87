using Polly.CircuitBreaker;

namespace AgentHost.Fallback.Resilience;

/// <summary>
/// One backend's circuit as the planner reads it before entering the pipeline, so an open circuit is skipped at the
/// cost of a comparison (no attempt, no Polly rejection). Open means Polly says open and its break has not elapsed:
/// after the break Polly still reports open until an execution half-opens it, and that trial call must go through.
/// </summary>
internal sealed class BackendBreakerState(TimeProvider time)
{
    private long _openUntilTicks;

    public CircuitBreakerStateProvider Provider { get; } = new();

    public bool IsOpen =>
        Volatile.Read(ref _openUntilTicks) is var until and not 0
        && time.GetUtcNow().UtcTicks < until
        && Provider.CircuitState is CircuitState.Open or CircuitState.Isolated;

    public void Opened(TimeSpan breakDuration) => Volatile.Write(ref _openUntilTicks, (time.GetUtcNow() + breakDuration).UtcTicks);

    public void NotOpen() => Volatile.Write(ref _openUntilTicks, 0);
}
