namespace AgentHost.Fallback;

/// <summary>
/// Shares each backend's circuit and last health result with the other replicas of a fleet (several processes behind one
/// load balancer), so they behave as one: a circuit opened anywhere is open everywhere for its break, one replica sends
/// the half-open trial, and its outcome closes or re-opens the circuit everywhere. The chain keeps a local mirror of what
/// it hears (<see cref="Subscribe"/>), so reading a circuit costs no round trip; it calls out only when a state changes or
/// to claim a trial. An implementation that cannot reach its store degrades to local state: publishing does nothing and
/// <see cref="TryClaimTrialAsync"/> answers <see langword="true"/>. Implementations are thread-safe.
/// The default is <see cref="NullBackendStateSharing"/>: nothing is shared (one process, today's behaviour).
/// </summary>
public interface IBackendStateSharing
{
    /// <summary>
    /// Starts telling <paramref name="observer"/> of other replicas' changes to <paramref name="backends"/> (as they are
    /// published, and as a periodic re-check of the store finds them); never of this instance's own. Dispose to stop.
    /// </summary>
    IDisposable Subscribe(IBackendStateObserver observer, IReadOnlyCollection<string> backends);

    /// <summary>Publishes that a backend's circuit opened (or re-opened) or closed here.</summary>
    ValueTask PublishCircuitAsync(SharedCircuitState state, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims the half-open trial of a backend whose break is over, for <paramref name="lease"/> (or until its outcome is
    /// published): <see langword="true"/> when this replica is to send it (also when the store cannot be reached: the trial
    /// is then decided locally), <see langword="false"/> when another replica holds it.
    /// </summary>
    ValueTask<bool> TryClaimTrialAsync(string backend, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Publishes a backend's health as this replica just found it (a newer result wins over an older one).</summary>
    ValueTask PublishHealthAsync(BackendHealth health, CancellationToken cancellationToken = default);
}

/// <summary>Hears other replicas' changes from an <see cref="IBackendStateSharing"/>. Called on the sharing's threads: return quickly.</summary>
public interface IBackendStateObserver
{
    /// <summary>A backend's circuit as another replica published it, or as the store holds it now.</summary>
    void OnCircuitShared(SharedCircuitState state)
    {
    }

    /// <summary>A backend's health as another replica found it.</summary>
    void OnHealthShared(BackendHealth health)
    {
    }
}
