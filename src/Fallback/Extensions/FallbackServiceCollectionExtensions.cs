using System.Diagnostics.Metrics;
using AgentHost.Fallback;
using AgentHost.Fallback.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the fallback chain over the backends added before it.</summary>
public static class FallbackServiceCollectionExtensions
{
    /// <summary>
    /// Adds the fallback chain: <see cref="FallbackChatClient"/> as the non-keyed <see cref="IChatClient"/>, the
    /// <see cref="BackendHealthMonitor"/> and its background <see cref="BackendHealthProber"/>. Options are validated at
    /// start. SK's face of the chain is <c>AddFallbackChatCompletion</c> (package AgentHost.Fallback.SemanticKernel).
    /// </summary>
    public static IServiceCollection AddFallbackChatClient(this IServiceCollection services, Action<FallbackOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<FallbackOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return services.AddFallbackCore();
    }

    /// <summary>Adds the fallback chain with options bound from <paramref name="section"/> (e.g. <c>AgentHost:Fallback</c>).</summary>
    public static IServiceCollection AddFallbackChatClient(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<FallbackOptions>().Configure(o =>
        {
            section.Bind(o);

            // A bound list is appended to the default one; a configured order replaces it instead.
            if (section.GetSection(nameof(FallbackOptions.Order)).Get<string[]>() is { Length: > 0 } order)
            {
                o.Order = order;
            }
        });
        return services.AddFallbackCore();
    }

    /// <summary>
    /// Adds the embedding chain (<see cref="FallbackEmbeddingGenerator"/>, over the same backends, order, health and
    /// resilience settings as the chat chain) as the non-keyed <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>, MEAI's
    /// way: the builder returned adds steps over it (<c>.UseLogging()</c>, <c>.UseOpenTelemetry()</c>, ...). Each backend
    /// embeds through the <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> its connector registers under its name
    /// (Ollama: <c>/api/embed</c>; MLX when <c>Embeddings:Path</c> is set; Embedded: LLamaSharp's embedder); one without
    /// it is skipped as "cannot embed". Adds the chat chain's registrations first when <c>AddFallbackChatClient</c> was not called.
    /// </summary>
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> AddFallbackEmbeddingGenerator(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(d => d.ServiceType == typeof(FallbackChain)))
        {
            services.AddFallbackChatClient();
        }

        services.TryAddSingleton(sp => sp.GetRequiredService<FallbackChain>().Embeddings);
        return services.AddEmbeddingGenerator(sp => sp.GetRequiredService<FallbackEmbeddingGenerator>());
    }

    private static IServiceCollection AddFallbackCore(this IServiceCollection services)
    {
        services.AddOptions<FallbackOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FallbackOptions>, FallbackOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<FallbackRoutingOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FallbackRoutingOptions>, FallbackRoutingOptionsValidator>());

        // One chain over the registered backends, built as FallbackChainBuilder builds it (options validated by the options system);
        // circuits and health shared with other replicas when an IBackendStateSharing is registered (AddFallbackRedisState).
        services.TryAddSingleton(sp => FallbackChain.Create(
            RegisteredChainBackends.From(sp), sp.GetRequiredService<IOptions<FallbackOptions>>(), sp.GetRequiredService<IOptions<FallbackRoutingOptions>>(),
            sp.GetKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(FallbackRouter.EmbeddingGeneratorKey),
            sp.GetService<TimeProvider>(), sp.GetService<ILoggerFactory>(), sp.GetService<IMeterFactory>(), validate: false,
            sp.GetService<IBackendStateSharing>()));
        services.TryAddSingleton(sp => sp.GetRequiredService<FallbackChain>().Health);
        services.TryAddSingleton(sp => sp.GetRequiredService<FallbackChain>().Router);
        services.TryAddSingleton(sp => sp.GetRequiredService<FallbackChain>().Client);

        // The chain is THE chat service: registered last, it wins single resolution over any backend's own registration.
        // Over it, the route cache when a route asks for one (CacheTtl), in the registered IDistributedCache or in memory.
        services.AddOptions<FallbackRouteCacheOptions>();
        services.AddSingleton<IChatClient>(sp => FallbackRouteCacheOptions.Wrap(sp, sp.GetRequiredService<FallbackChatClient>()));
        services.AddHostedService(sp => new BackendHealthProber(
            sp.GetRequiredService<BackendHealthMonitor>(), sp.GetRequiredService<IOptions<FallbackOptions>>(), sp.GetService<TimeProvider>()));
        return services;
    }
}
