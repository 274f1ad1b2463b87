namespace AgentHost.Fallback;

/// <summary>A backend's health as the chain sees it.</summary>
public enum BackendHealthState
{
    /// <summary>Not probed yet (or no health check): required entries are still tried, optional (<c>Name?</c>) entries are skipped.</summary>
    Unknown,

    /// <summary>Up and ready.</summary>
    Healthy,

    /// <summary>Up but strained (e.g. MLX with every slot busy): still gets work.</summary>
    Degraded,

    /// <summary>Not usable: gets no requests (unless every backend is down).</summary>
    Down,
}

/// <summary>One backend's health: the state, why, and when it was last checked.</summary>
/// <param name="Backend">The backend's name.</param>
/// <param name="State">The state.</param>
/// <param name="Reason">Why (the health check's description or error), if known.</param>
/// <param name="CheckedAt">When the state was last set; <see langword="null"/> if never.</param>
public sealed record BackendHealth(string Backend, BackendHealthState State, string? Reason, DateTimeOffset? CheckedAt)
{
    /// <summary>Whether the backend may be used by an optional (<c>Name?</c>) entry now.</summary>
    public bool IsUp => State is BackendHealthState.Healthy or BackendHealthState.Degraded;

    /// <summary>The state and reason in a few words, e.g. <c>down: connection refused</c>.</summary>
    public string Describe() =>
        string.IsNullOrWhiteSpace(Reason) ? State.ToString().ToLowerInvariant() : $"{State.ToString().ToLowerInvariant()}: {Reason}";
}
