using System.Diagnostics.Metrics;
using AgentHost.Backends;
using AgentHost.Fallback.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentHost.Fallback;

/// <summary>
/// Builds the fallback chain from a list of backends and options, without a container:
/// <code>
/// var chain = new FallbackChainBuilder()
///     .AddBackend(new ChainBackend("Mlx", mlxClient, mlxOptions))
///     .AddBackend(new ChainBackend("Ollama", ollamaClient, ollamaOptions))
///     .Configure(o => o.Order = ["Mlx", "Ollama"])
///     .Build();
/// </code>
/// The options are validated as the DI registrations validate them at start (one readable line per problem, as an
/// <see cref="OptionsValidationException"/>). <c>AddFallbackChatClient</c> builds the chain through <see cref="BuildChain"/> too.
/// </summary>
public sealed class FallbackChainBuilder
{
    private readonly List<ChainBackend> _backends = [];
    private readonly List<Action<FallbackOptions>> _configure = [];
    private readonly List<Action<FallbackRoutingOptions>> _configureRouting = [];
    private TimeProvider? _time;
    private ILoggerFactory? _loggerFactory;
    private IEmbeddingGenerator<string, Embedding<float>>? _embeddings;
    private IMeterFactory? _meterFactory;
    private IBackendStateSharing? _sharing;

    /// <summary>Adds a backend; the order of additions is the default order's tie-break, as registration order is in DI.</summary>
    public FallbackChainBuilder AddBackend(ChainBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        _backends.Add(backend);
        return this;
    }

    /// <summary>Configures the chain's options (order, resilience, health, models, hedging).</summary>
    public FallbackChainBuilder Configure(Action<FallbackOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _configure.Add(configure);
        return this;
    }

    /// <summary>Configures routes, rules and semantic routing.</summary>
    public FallbackChainBuilder ConfigureRouting(Action<FallbackRoutingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _configureRouting.Add(configure);
        return this;
    }

    /// <summary>The clock of timeouts, breakers and health (the system clock when not set).</summary>
    public FallbackChainBuilder UseTimeProvider(TimeProvider timeProvider)
    {
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        return this;
    }

    /// <summary>Where the chain, its router and its health monitor log (nowhere when not set).</summary>
    public FallbackChainBuilder UseLoggerFactory(ILoggerFactory loggerFactory)
    {
        _loggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        return this;
    }

    /// <summary>Where the chain's metrics go: a meter of this factory (one shared meter when not set).</summary>
    public FallbackChainBuilder UseMeterFactory(IMeterFactory meterFactory)
    {
        _meterFactory = meterFactory ?? throw new ArgumentNullException(nameof(meterFactory));
        return this;
    }

    /// <summary>The embedding generator semantic routing uses, when it is configured.</summary>
    public FallbackChainBuilder UseEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> generator)
    {
        _embeddings = generator ?? throw new ArgumentNullException(nameof(generator));
        return this;
    }

    /// <summary>
    /// Shares the backends' circuits and health results with the other replicas of a fleet through <paramref name="sharing"/>
    /// (e.g. Redis: AgentHost.Fallback.Redis). Not set: they are this process's own.
    /// </summary>
    public FallbackChainBuilder UseSharedState(IBackendStateSharing sharing)
    {
        _sharing = sharing ?? throw new ArgumentNullException(nameof(sharing));
        return this;
    }

    /// <summary>Builds the chain.</summary>
    public FallbackChatClient Build() => BuildChain().Client;

    /// <summary>
    /// Builds the embedding chain alone (over the backends given an embedding generator, <see cref="ChainBackend.Embeddings"/>);
    /// <see cref="BuildChain"/> gives it together with the chat chain, both over one health monitor.
    /// </summary>
    public FallbackEmbeddingGenerator BuildEmbeddingGenerator() => BuildChain().Embeddings;

    /// <summary>Builds the chain with its health monitor and router (one set, over the same backends).</summary>
    public FallbackChain BuildChain()
    {
        var options = new FallbackOptions();
        _configure.ForEach(c => c(options));
        var routing = new FallbackRoutingOptions();
        _configureRouting.ForEach(c => c(routing));
        return FallbackChain.Create(_backends, Options.Create(options), Options.Create(routing), _embeddings, _time, _loggerFactory, _meterFactory, validate: true, _sharing);
    }
}

/// <summary>A built chain: the client, and the health monitor and router it was built with.</summary>
/// <param name="Client">The chain as an <see cref="IChatClient"/>.</param>
/// <param name="Health">Each backend's health, probed on demand or by <see cref="BackendHealthProber"/>.</param>
/// <param name="Router">The route and model decision of each call.</param>
public sealed record FallbackChain(FallbackChatClient Client, BackendHealthMonitor Health, FallbackRouter Router)
{
    /// <summary>The embedding chain over the same backends, health monitor and order (<see cref="FallbackEmbeddingGenerator"/>).</summary>
    public required FallbackEmbeddingGenerator Embeddings { get; init; }

    /// <summary>Makes the monitor, router and chain over <paramref name="backends"/>, in that order, validating the options first when asked to.</summary>
    internal static FallbackChain Create(IEnumerable<ChainBackend> backends, IOptions<FallbackOptions> options, IOptions<FallbackRoutingOptions> routing,
        IEmbeddingGenerator<string, Embedding<float>>? embeddings, TimeProvider? time, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory, bool validate,
        IBackendStateSharing? sharing = null)
    {
        ArgumentNullException.ThrowIfNull(backends);
        IReadOnlyList<ChainBackend> list = [.. backends.DistinctBy(b => b.Name, StringComparer.OrdinalIgnoreCase)];
        if (validate)
        {
            var descriptors = list.Select(b => b.Descriptor).ToList();
            Throw(nameof(FallbackOptions), typeof(FallbackOptions), new FallbackOptionsValidator(descriptors).Validate(null, options.Value));
            Throw(nameof(FallbackRoutingOptions), typeof(FallbackRoutingOptions), new FallbackRoutingOptionsValidator(descriptors, options).Validate(null, routing.Value));
        }

        loggerFactory ??= NullLoggerFactory.Instance;
        var health = new BackendHealthMonitor(list, options, time, loggerFactory.CreateLogger<BackendHealthMonitor>(), sharing);
        var router = new FallbackRouter(list, options, routing, embeddings, time, loggerFactory.CreateLogger<FallbackRouter>());
        var client = new FallbackChatClient(list, options, health, router, time, loggerFactory.CreateLogger<FallbackChatClient>(), meterFactory, sharing);
        var embedder = new FallbackEmbeddingGenerator(list, options, health, time, loggerFactory.CreateLogger<FallbackEmbeddingGenerator>(), meterFactory);
        return new FallbackChain(client, health, router) { Embeddings = embedder };
    }

    private static void Throw(string name, Type type, ValidateOptionsResult result)
    {
        if (result.Failed)
        {
            throw new OptionsValidationException(name, type, result.Failures);
        }
    }
}
