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
/// <remarks>
/// With an <see cref="IBackendStateSharing"/> the circuit is also the fleet's (see <see cref="SharedCircuit"/>): what other
/// replicas publish is mirrored here, so the planner's read stays a comparison; Redis (or whatever the sharing uses) is
/// called only when the state changes here and to claim a trial. Without one nothing of that is touched.
/// </remarks>
internal sealed class BackendBreakerState
{
    private readonly TimeProvider _time;
    private long _openUntilTicks;
    private volatile bool _openedOnTimeout;

    public BackendBreakerState(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>A circuit also shared with other replicas through <paramref name="shared"/>.</summary>
    public BackendBreakerState(TimeProvider time, SharedCircuit shared)
        : this(time)
    {
        Shared = shared;
        shared.Attach(this);
    }

    public CircuitBreakerStateProvider Provider { get; } = new();

    /// <summary>Lets a deferred trial that succeeded close the circuit, as a half-open trial would.</summary>
    public CircuitBreakerManualControl Control { get; } = new();

    /// <summary>The fleet's side of the circuit; null when nothing is shared.</summary>
    public SharedCircuit? Shared { get; }

    /// <summary>Whether the circuit is open: inside its break here or in the fleet, or (shared) a trial is in flight.</summary>
    public bool IsOpen => IsOpenHere || (Shared is { } shared && shared.IsOpen);

    /// <summary>Whether the circuit's break is not over (here, or as another replica opened it).</summary>
    public bool IsInsideBreak => IsOpenHere || (Shared is { } shared && shared.IsInsideBreak);

    /// <summary>Whether the failure that opened the circuit (still open) was a timeout.</summary>
    public bool OpenedOnTimeout =>
        (_openedOnTimeout && Provider.CircuitState is CircuitState.Open or CircuitState.Isolated or CircuitState.HalfOpen) || Shared is { OpenedOnTimeout: true };

    /// <summary>Whether Polly's circuit is open here and its break is over (the next call through the pipeline is its trial).</summary>
    internal bool IsBreakOverHere =>
        Provider.CircuitState == CircuitState.Open && Volatile.Read(ref _openUntilTicks) is var until and not 0 && _time.GetUtcNow().UtcTicks >= until;

    private bool IsOpenHere =>
        Volatile.Read(ref _openUntilTicks) is var until and not 0
        && _time.GetUtcNow().UtcTicks < until
        && Provider.CircuitState is CircuitState.Open or CircuitState.Isolated;

    /// <summary>Why the planner puts the backend off while <see cref="IsOpen"/>: <c>circuit open</c>, and who opened it when another replica did.</summary>
    public string DescribeOpen() => IsOpenHere || Shared is null ? "circuit open" : Shared.DescribeOpen();

    /// <summary>The circuit in a few words, for <c>/health</c> and <c>backends</c>: <c>closed</c>, <c>open (…)</c>, <c>half-open</c>.</summary>
    public string Describe()
    {
        if (IsOpenHere)
        {
            var left = new DateTimeOffset(Volatile.Read(ref _openUntilTicks), TimeSpan.Zero) - _time.GetUtcNow();
            return $"open ({SharedCircuit.FormatLeft(left)} left)";
        }

        if (Shared is { } shared && shared.IsOpen)
        {
            return shared.DescribeOpen().Replace("circuit ", string.Empty, StringComparison.Ordinal);
        }

        return Provider.CircuitState switch
        {
            CircuitState.Closed => "closed",
            CircuitState.HalfOpen => "half-open (trial in flight)",
            CircuitState.Isolated => "isolated",
            _ => "open (break over: the next call is its trial)",
        };
    }

    /// <summary>Polly opened the circuit (on <paramref name="onTimeout"/> failures): its break ends after <paramref name="breakDuration"/>; the fleet is told.</summary>
    public ValueTask OpenedAsync(TimeSpan breakDuration, bool onTimeout)
    {
        _openedOnTimeout = onTimeout;
        var now = _time.GetUtcNow();
        Volatile.Write(ref _openUntilTicks, (now + breakDuration).UtcTicks);
        return Shared?.OpenedHereAsync(now, now + breakDuration, onTimeout) ?? default;
    }

    /// <summary>Polly half-opened the circuit (its break is over; a trial is going through).</summary>
    public void NotOpen() => Volatile.Write(ref _openUntilTicks, 0);

    /// <summary>Polly closed the circuit (a trial succeeded here, or another replica's closed it); the fleet is told of the former.</summary>
    public ValueTask ClosedAsync()
    {
        NotOpen();
        return Shared?.ClosedHereAsync() ?? default;
    }

    /// <summary>Closes the circuit after a deferred trial answered (no-op unless it is open or half-open, here or in the fleet).</summary>
    public async Task TrialSucceededAsync()
    {
        if (Provider.CircuitState is CircuitState.Open or CircuitState.HalfOpen)
        {
            await Control.CloseAsync().ConfigureAwait(false); // Polly's OnClosed tells the fleet
        }
        else if (Shared is { HasAnythingToClose: true } shared)
        {
            await shared.ClosedHereAsync().ConfigureAwait(false);
        }
    }
}
