namespace AgentHost.Fallback;

/// <summary>What happened to a shared circuit.</summary>
public enum SharedCircuitChange
{
    /// <summary>It opened (or a trial failed and re-opened it) until <see cref="SharedCircuitState.OpenUntil"/>.</summary>
    Opened,

    /// <summary>A trial succeeded: it is closed everywhere.</summary>
    Closed,

    /// <summary>The store holds no open circuit for the backend now (a re-check found nothing: it expired, or its close was missed).</summary>
    Absent,
}

/// <summary>
/// One backend's circuit as replicas share it. Times are absolute, from the publishing replica's <see cref="TimeProvider"/>
/// (replicas' clocks differ a little; what matters is the break's length, which the same clock measures).
/// </summary>
/// <param name="Backend">The backend's name.</param>
/// <param name="Change">Opened, closed, or absent from the store.</param>
/// <param name="At">When it changed.</param>
/// <param name="OpenUntil">When its break ends (opened only).</param>
/// <param name="OpenedOnTimeout">Whether the failure that opened it was a timeout (opened only).</param>
/// <param name="Replica">The replica that published it, if known.</param>
public sealed record SharedCircuitState(
    string Backend, SharedCircuitChange Change, DateTimeOffset At, DateTimeOffset? OpenUntil = null, bool OpenedOnTimeout = false, string? Replica = null);
