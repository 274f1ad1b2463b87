using Polly.CircuitBreaker;

namespace AgentHost.Fallback.Resilience;

/// <summary>
/// The fleet's side of one backend's circuit (<see cref="IBackendStateSharing"/>): a local mirror of what other replicas
/// published (open until when, on a timeout, by whom), the trial this replica claimed or saw claimed, and the calls out
/// when the circuit changes here. Inside another replica's break the circuit is open here too; after it one replica
/// claims the trial and the others keep it open until the trial's outcome is published (success closes it everywhere,
/// failure re-opens it everywhere) or the claim's lease runs out. Thread-safe: every field is replaced whole.
/// </summary>
internal sealed class SharedCircuit
{
    // Set while this replica's Polly circuit is closed because another replica published a close: that close is not news.
    private static readonly AsyncLocal<bool> ClosingForFleet = new();

    private readonly string _backend;
    private readonly IBackendStateSharing _sharing;
    private readonly TimeProvider _time;
    private readonly TimeSpan _breakDuration;
    private readonly TimeSpan _trialLease;
    private volatile Remote? _remote;
    private long _trialUntilTicks;
    private long _lastClosedTicks;
    private BackendBreakerState? _breaker;

    /// <param name="backend">The backend's name.</param>
    /// <param name="sharing">Where the circuit is shared.</param>
    /// <param name="time">The clock.</param>
    /// <param name="breakDuration">How long a trial that failed here keeps the circuit open.</param>
    /// <param name="trialLease">How long a claimed trial may take before another replica may claim it (the attempt timeout).</param>
    public SharedCircuit(string backend, IBackendStateSharing sharing, TimeProvider time, TimeSpan breakDuration, TimeSpan trialLease)
    {
        _backend = backend;
        _sharing = sharing;
        _time = time;
        _breakDuration = breakDuration;
        _trialLease = trialLease > TimeSpan.Zero ? trialLease : breakDuration;
    }

    /// <summary>Whether the fleet holds the circuit open: inside a break, or a trial is in flight.</summary>
    public bool IsOpen => _time.GetUtcNow().UtcTicks is var now && ((_remote is { } r && now < r.OpenUntilTicks) || now < Volatile.Read(ref _trialUntilTicks));

    /// <summary>Whether a break the fleet published is not over.</summary>
    public bool IsInsideBreak => _remote is { } r && _time.GetUtcNow().UtcTicks < r.OpenUntilTicks;

    /// <summary>Whether the fleet's open circuit opened on a timeout.</summary>
    public bool OpenedOnTimeout => _remote is { OnTimeout: true };

    /// <summary>Whether the fleet's circuit is open (inside its break or past it, awaiting its trial's outcome).</summary>
    public bool IsOpenInFleet => _remote is not null;

    /// <summary>Whether there is a fleet circuit or a trial claim that a success here must close.</summary>
    public bool HasAnythingToClose => _remote is not null || Volatile.Read(ref _trialUntilTicks) != 0;

    /// <summary>
    /// Whether a call now would be the circuit's trial, to be claimed first: the fleet's break (or this replica's own, in
    /// Polly) is over and no trial is in flight.
    /// </summary>
    public bool IsTrialDue(BackendBreakerState breaker)
    {
        var now = _time.GetUtcNow().UtcTicks;
        if (now < Volatile.Read(ref _trialUntilTicks))
        {
            return false;
        }

        return _remote is { } r ? now >= r.OpenUntilTicks : breaker.IsBreakOverHere;
    }

    /// <summary>Whether a claimed trial must go past Polly's breaker (it is closed here: only the fleet's circuit is open).</summary>
    public static bool TrialBypassesBreaker(BackendBreakerState breaker) => breaker.Provider.CircuitState == CircuitState.Closed;

    /// <summary>
    /// Claims the trial: <see langword="true"/> when this call sends it. Only one local call asks the fleet; while the
    /// claim (here or elsewhere) lasts the circuit stays open here.
    /// </summary>
    public async ValueTask<bool> TryClaimTrialAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var current = Volatile.Read(ref _trialUntilTicks);
        if (now < current || Interlocked.CompareExchange(ref _trialUntilTicks, now + _trialLease.Ticks, current) != current)
        {
            return false; // another call of this replica claimed it first
        }

        return await _sharing.TryClaimTrialAsync(_backend, _trialLease, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A claimed trial ended with neither an answer nor a failure of the backend (e.g. the caller cancelled it): the claim lapses here.</summary>
    public void TrialAbandoned() => Volatile.Write(ref _trialUntilTicks, 0);

    /// <summary>A claimed trial that went past Polly's (closed) breaker failed: the circuit re-opens everywhere.</summary>
    public ValueTask TrialFailedAsync(bool onTimeout)
    {
        var now = _time.GetUtcNow();
        _remote = new Remote(now.UtcTicks, (now + _breakDuration).UtcTicks, onTimeout, Replica: null, ReceivedTicks: now.UtcTicks);
        Volatile.Write(ref _trialUntilTicks, 0);
        return _sharing.PublishCircuitAsync(new SharedCircuitState(_backend, SharedCircuitChange.Opened, now, now + _breakDuration, onTimeout));
    }

    /// <summary>Polly opened the circuit here: the fleet is told.</summary>
    public ValueTask OpenedHereAsync(DateTimeOffset now, DateTimeOffset until, bool onTimeout)
    {
        _remote = null;
        Volatile.Write(ref _trialUntilTicks, 0);
        return _sharing.PublishCircuitAsync(new SharedCircuitState(_backend, SharedCircuitChange.Opened, now, until, onTimeout));
    }

    /// <summary>The circuit closed here (Polly's close, or a deferred trial's success): the fleet is told, unless the close came from it.</summary>
    public ValueTask ClosedHereAsync()
    {
        if (ClosingForFleet.Value)
        {
            return default;
        }

        var now = _time.GetUtcNow();
        Volatile.Write(ref _lastClosedTicks, now.UtcTicks);
        _remote = null;
        Volatile.Write(ref _trialUntilTicks, 0);
        return _sharing.PublishCircuitAsync(new SharedCircuitState(_backend, SharedCircuitChange.Closed, now));
    }

    /// <summary>What another replica published, or what the store holds now.</summary>
    public void Apply(SharedCircuitState state)
    {
        var now = _time.GetUtcNow().UtcTicks;
        switch (state.Change)
        {
            case SharedCircuitChange.Opened when state.OpenUntil is { } until:
                if (state.At.UtcTicks <= Volatile.Read(ref _lastClosedTicks))
                {
                    return; // older than a close already heard of (a re-check read before the close was published)
                }

                if (_remote is { } known && known.OpenedAtTicks == state.At.UtcTicks)
                {
                    return; // already known (a re-check read it again)
                }

                _remote = new Remote(state.At.UtcTicks, until.UtcTicks, state.OpenedOnTimeout, state.Replica ?? "another replica", now);
                Volatile.Write(ref _trialUntilTicks, 0); // news: a new break, or the outcome of the trial in flight
                break;
            case SharedCircuitChange.Closed:
                Volatile.Write(ref _lastClosedTicks, Math.Max(state.At.UtcTicks, Volatile.Read(ref _lastClosedTicks)));
                _remote = null;
                Volatile.Write(ref _trialUntilTicks, 0);
                if (_breaker is { } breaker && breaker.Provider.CircuitState is CircuitState.Open or CircuitState.HalfOpen or CircuitState.Isolated)
                {
                    _ = CloseForFleetAsync(breaker);
                }

                break;
            case SharedCircuitChange.Absent:
                if (_remote is { Replica: not null } remote && remote.ReceivedTicks < state.At.UtcTicks)
                {
                    _remote = null; // expired in the store, or its close was missed while the store was away
                }

                break;
        }
    }

    /// <summary>Why the planner puts the backend off: whose break, how long is left, or that its trial is in flight.</summary>
    public string DescribeOpen()
    {
        var now = _time.GetUtcNow().UtcTicks;
        if (_remote is { } r && now < r.OpenUntilTicks)
        {
            var left = FormatLeft(TimeSpan.FromTicks(r.OpenUntilTicks - now));
            return r.Replica is null ? $"circuit open (its trial failed, {left} left)" : $"circuit open (opened by another replica, {left} left)";
        }

        return "circuit open (its trial is in flight)";
    }

    /// <summary>A time left in whole seconds, rounded up: <c>12 s</c>.</summary>
    public static string FormatLeft(TimeSpan left) =>
        $"{Math.Max(1, (long)Math.Ceiling(left.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture)} s";

    internal void Attach(BackendBreakerState breaker) => _breaker = breaker;

    private static async Task CloseForFleetAsync(BackendBreakerState breaker)
    {
        ClosingForFleet.Value = true;
        try
        {
            await breaker.Control.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Whatever Polly's OnClosed callback throws: the fleet's close is a hint; the local circuit goes on as it is.
        }
    }

    /// <summary>An open circuit as the fleet holds it (<paramref name="Replica"/> null: opened here, by a trial that bypassed Polly).</summary>
    private sealed record Remote(long OpenedAtTicks, long OpenUntilTicks, bool OnTimeout, string? Replica, long ReceivedTicks);
}
