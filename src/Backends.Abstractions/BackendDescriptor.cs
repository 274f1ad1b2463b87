namespace AgentHost.Backends;

/// <summary>
/// One registered backend as the fallback chain sees it. Each connector's registration adds one descriptor and,
/// keyed by <see cref="Name"/>, an <c>IChatClient</c>, an <c>IHealthCheck</c> and an <see cref="IModelCatalog"/>.
/// </summary>
public sealed class BackendDescriptor
{
    /// <summary>Creates a descriptor.</summary>
    public BackendDescriptor(string name, string displayName, Func<IServiceProvider, BackendOptions> options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(displayName);
        ArgumentNullException.ThrowIfNull(options);
        Name = name;
        DisplayName = displayName;
        _options = options;
    }

    private readonly Func<IServiceProvider, BackendOptions> _options;

    /// <summary>The name used in orders, configuration and as the service key, e.g. <c>Mlx</c>.</summary>
    public string Name { get; }

    /// <summary>The product name for people and logs, e.g. <c>MLX API Server</c>.</summary>
    public string DisplayName { get; }

    /// <summary>
    /// Whether this backend is a last resort (e.g. the embedded in-process model): when it is enabled and a fallback
    /// order does not name it, the chain appends it at the end. An order that names it keeps its position.
    /// </summary>
    public bool IsLastResort { get; init; }

    /// <summary>Resolves the backend's current options (enabled flag, endpoint, model, capabilities).</summary>
    public BackendOptions GetOptions(IServiceProvider services) => _options(services);
}
