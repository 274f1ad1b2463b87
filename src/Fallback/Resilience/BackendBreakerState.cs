using Polly.CircuitBreaker;

namespace AgentHost.Fallback.Resilience;

/// <summary>
/// One backend's circuit as the planner reads it before entering the pipeline, so an open circuit is deferred at the
/// cost of a comparison (no attempt, no Polly rejection). Open means Polly says open and its break has not elapsed:
/// after the break Polly still reports open until an execution half-opens it, and that trial call must go through.
/// The state itself is read from Polly's <see cref="CircuitBreakerStateProvider"/>; the one thing kept here is when the
/// break ends, which Polly tells only its <c>OnOpened</c> callback. Also remembers whether the circuit opened on a
/// timeout (inside its break such a backend is not given a deferred trial: it would hold the caller for the whole
/// timeout), and closes the circuit when a deferred trial succeeds.
/// </summary>
internal sealed class BackendBreakerState(TimeProvider time)
{
    private long _openUntilTicks;
    private volatile bool _openedOnTimeout;

    public CircuitBreakerStateProvider Provider { get; } = new();

    /// <summary>Lets a deferred trial that succeeded close the circuit, as a half-open trial would.</summary>
    public CircuitBreakerManualControl Control { get; } = new();

    public bool IsOpen =>
        Volatile.Read(ref _openUntilTicks) is var until and not 0
        && time.GetUtcNow().UtcTicks < until
        && Provider.CircuitState is CircuitState.Open or CircuitState.Isolated;

    /// <summary>Whether the failure that opened the circuit (still open) was a timeout.</summary>
    public bool OpenedOnTimeout => _openedOnTimeout && Provider.CircuitState is CircuitState.Open or CircuitState.Isolated or CircuitState.HalfOpen;

    public void Opened(TimeSpan breakDuration, bool onTimeout)
    {
        _openedOnTimeout = onTimeout;
        Volatile.Write(ref _openUntilTicks, (time.GetUtcNow() + breakDuration).UtcTicks);
    }

    public void NotOpen() => Volatile.Write(ref _openUntilTicks, 0);

    /// <summary>Closes the circuit after a deferred trial answered (no-op unless it is open or half-open).</summary>
    public Task TrialSucceededAsync() =>
        Provider.CircuitState is CircuitState.Open or CircuitState.HalfOpen ? Control.CloseAsync() : Task.CompletedTask;
}
