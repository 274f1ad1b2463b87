namespace AgentHost.Fallback;

/// <summary>Shares nothing: every process keeps its own circuits and health (the default; the chain then never calls it).</summary>
public sealed class NullBackendStateSharing : IBackendStateSharing
{
    private NullBackendStateSharing()
    {
    }

    /// <summary>The one instance.</summary>
    public static NullBackendStateSharing Instance { get; } = new();

    /// <inheritdoc />
    public IDisposable Subscribe(IBackendStateObserver observer, IReadOnlyCollection<string> backends) => NoSubscription.Instance;

    /// <inheritdoc />
    public ValueTask PublishCircuitAsync(SharedCircuitState state, CancellationToken cancellationToken = default) => default;

    /// <inheritdoc />
    public ValueTask<bool> TryClaimTrialAsync(string backend, TimeSpan lease, CancellationToken cancellationToken = default) => new(true);

    /// <inheritdoc />
    public ValueTask PublishHealthAsync(BackendHealth health, CancellationToken cancellationToken = default) => default;

    /// <summary>Whether <paramref name="sharing"/> shares anything (null or this: no).</summary>
    internal static IBackendStateSharing? OrNull(IBackendStateSharing? sharing) => sharing is null or NullBackendStateSharing ? null : sharing;

    private sealed class NoSubscription : IDisposable
    {
        public static readonly NoSubscription Instance = new();

        public void Dispose()
        {
        }
    }
}
