using AgentHost.Backends;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentHost.Fallback;

/// <summary>
/// One backend as the chain is given it: what it is (<see cref="Descriptor"/>), its chat client, its options as they
/// are now and, when it has them, its health check, its model catalog and a way to hear of option changes. The chain,
/// its router and its health monitor take a list of these, so a chain can be built without a container
/// (<see cref="FallbackChainBuilder"/>); the DI registrations make them from each backend's keyed services.
/// </summary>
public sealed class ChainBackend
{
    private readonly Func<IChatClient> _client;
    private readonly Func<BackendOptions> _options;
    private readonly Lazy<IHealthCheck?> _health;
    private readonly Lazy<IModelCatalog?> _catalog;
    private Lazy<IEmbeddingGenerator<string, Embedding<float>>?> _embeddings = new(() => null);
    private Func<IEmbeddingGenerator<string, Embedding<float>>?>? _embeddingsFactory;
    private BackendOptions? _cached;
    private IDisposable? _watch;
    private int _watchStarted;
    private int _version;

    /// <summary>Creates a backend whose collaborators are made on first use (a connector's client is resolved only once a call needs it).</summary>
    /// <param name="descriptor">Its name, display name and last-resort flag.</param>
    /// <param name="client">Makes its chat client; called once, on first use.</param>
    /// <param name="options">Reads its current options (enabled flag, endpoint, model, capabilities); called whenever they are needed and not cached.</param>
    /// <param name="health">Makes its health check, or gives <see langword="null"/> when it has none; called once.</param>
    /// <param name="catalog">Makes its model catalog, or gives <see langword="null"/> when it has none; called once.</param>
    public ChainBackend(BackendDescriptor descriptor, Func<IChatClient> client, Func<BackendOptions> options,
        Func<IHealthCheck?>? health = null, Func<IModelCatalog?>? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        Descriptor = descriptor;
        _client = client;
        _options = options;
        _health = new Lazy<IHealthCheck?>(health ?? (() => null));
        _catalog = new Lazy<IModelCatalog?>(catalog ?? (() => null));
    }

    /// <summary>Creates a backend over collaborators that already exist.</summary>
    public ChainBackend(string name, IChatClient client, BackendOptions options, IHealthCheck? health = null, IModelCatalog? catalog = null)
        : this(new BackendDescriptor(name, name, _ => options), Known(client), Known(options), () => health, () => catalog)
    {
    }

    /// <summary>The backend's name, as orders and reports spell it.</summary>
    public string Name => Descriptor.Name;

    /// <summary>Its name, display name and last-resort flag.</summary>
    public BackendDescriptor Descriptor { get; }

    /// <summary>
    /// Subscribes to changes of its options: given the options just read and what to call on a change, returns the
    /// subscription, or <see langword="null"/> when changes cannot be heard of (its options are then read on every use).
    /// </summary>
    public Func<BackendOptions, Action, IDisposable?>? WatchOptions { get; init; }

    /// <summary>
    /// Makes its embedding generator, or gives <see langword="null"/> when it cannot embed; called once, on first use
    /// (<see cref="FallbackEmbeddingGenerator"/>). Not set: the backend cannot embed.
    /// </summary>
    public Func<IEmbeddingGenerator<string, Embedding<float>>?>? Embeddings
    {
        get => _embeddingsFactory;
        init
        {
            _embeddingsFactory = value;
            _embeddings = new Lazy<IEmbeddingGenerator<string, Embedding<float>>?>(value ?? (() => null));
        }
    }

    /// <summary>Its embedding generator (made on first use), or <see langword="null"/> when it has none.</summary>
    internal IEmbeddingGenerator<string, Embedding<float>>? EmbeddingGenerator => _embeddings.Value;

    /// <summary>Its chat client (made on first use).</summary>
    public IChatClient CreateClient() => _client();

    /// <summary>Its options as they are now.</summary>
    public BackendOptions GetOptions() => _options();

    /// <summary>Its health check, if it has one.</summary>
    public IHealthCheck? HealthCheck => _health.Value;

    /// <summary>Its model catalog, if it has one.</summary>
    public IModelCatalog? Catalog => _catalog.Value;

    /// <summary>
    /// Its current options, as the chain and its router read them: cached while <see cref="WatchOptions"/> reports no
    /// change (the watch starts with the first read), read afresh on every use when they cannot be watched.
    /// </summary>
    internal BackendOptions CurrentOptions
    {
        get
        {
            if (Volatile.Read(ref _cached) is { } cached)
            {
                return cached;
            }

            var version = Volatile.Read(ref _version);
            var options = GetOptions();
            if (Interlocked.Exchange(ref _watchStarted, 1) == 0)
            {
                _watch = WatchOptions?.Invoke(options, OptionsChanged);
            }

            if (_watch is not null && version == Volatile.Read(ref _version))
            {
                Interlocked.CompareExchange(ref _cached, options, null);
            }

            return options;
        }
    }

    /// <summary>How many changes of its options have been heard of (a value read before <see cref="CurrentOptions"/> tells whether that read is still current).</summary>
    internal int OptionsVersion => Volatile.Read(ref _version);

    /// <summary>Whether changes of its options are heard of (else they are read, and must be compared, on every use).</summary>
    internal bool OptionsWatched => Volatile.Read(ref _watch) is not null;

    /// <summary>Whether it is enabled now; options that cannot be read count as enabled, so the attempt reports why they failed.</summary>
    internal bool IsEnabled()
    {
        try
        {
            return GetOptions().Enabled;
        }
        catch (Exception)
        {
            // A binding or validation failure of the backend's options: the planner reads them again and reports it.
            return true;
        }
    }

    private void OptionsChanged()
    {
        Interlocked.Increment(ref _version);
        Volatile.Write(ref _cached, null);
    }

    private static Func<T> Known<T>(T value)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(value);
        return () => value;
    }
}
