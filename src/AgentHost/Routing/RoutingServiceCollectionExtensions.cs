using AgentHost.Backends;
using AgentHost.Fallback;
using Microsoft.Extensions.AI;
using OllamaSharp;

namespace AgentHost.Routing;

/// <summary>
/// Wires routing from configuration: routes from <c>AgentHost:Routes</c>, rules and semantic routing from
/// <c>AgentHost:Routing</c>. When <c>AgentHost:Routing:Semantic:Enabled</c>, the embedding generator is OllamaSharp's
/// <see cref="OllamaApiClient"/> over the Ollama backend's HTTP client (<c>/api/embed</c>), asking for
/// <c>AgentHost:Routing:Semantic:EmbeddingModel</c> (default <c>nomic-embed-text</c>) of the backend named by
/// <c>AgentHost:Routing:Semantic:EmbeddingBackend</c> (default <c>Ollama</c>).
/// </summary>
internal static class RoutingServiceCollectionExtensions
{
    public const string DefaultEmbeddingModel = "nomic-embed-text";

    public static IServiceCollection AddAgentHostRouting(this IServiceCollection services, IConfiguration configuration)
    {
        var root = configuration.GetSection(Hosting.AgentHostServiceCollectionExtensions.SectionName);
        var routing = root.GetSection("Routing");
        services.AddFallbackRouting(root.GetSection("Routes"), routing);
        services.AddSingleton<Microsoft.Extensions.Options.IPostConfigureOptions<FallbackRoutingOptions>>(sp =>
            new RouteInstructions(sp.GetService<IHostEnvironment>(), configuration));
        AddRouteCache(services, configuration);
        var semantic = routing.GetSection("Semantic");
        if (!semantic.GetValue<bool>("Enabled"))
        {
            return services;
        }

        var backend = semantic["EmbeddingBackend"] is { Length: > 0 } b ? b : BackendNames.Ollama;
        var model = semantic["EmbeddingModel"] is { Length: > 0 } m ? m : DefaultEmbeddingModel;
        services.AddOptions<FallbackRoutingOptions>().Validate<IEnumerable<BackendDescriptor>>(
            (_, descriptors) => descriptors.Any(d => string.Equals(d.Name, backend, StringComparison.OrdinalIgnoreCase)),
            $"{FallbackRoutingOptions.SectionName}:Semantic:EmbeddingBackend '{backend}' is not a registered backend.");
        services.AddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(FallbackRouter.EmbeddingGeneratorKey, (sp, _) =>
        {
            var descriptor = sp.GetServices<BackendDescriptor>().First(d => string.Equals(d.Name, backend, StringComparison.OrdinalIgnoreCase));
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient(BackendServiceCollectionExtensions.HttpClientName(descriptor.Name));
            http.BaseAddress ??= descriptor.GetOptions(sp).EndpointUri is { IsAbsoluteUri: true } uri ? uri : new Uri("http://localhost:11434");
            return new OllamaApiClient(http, model);
        });
        return services;
    }

    /// <summary>
    /// The store of the route cache (<see cref="RouteCachingChatClient"/>): Redis when <c>AgentHost:State:Redis</c> is set
    /// (replicas share answers), else memory; keys include Victoria's project context, which changes what it answers.
    /// </summary>
    private static void AddRouteCache(IServiceCollection services, IConfiguration configuration)
    {
        if (Hosting.StateServiceCollectionExtensions.HasSharedState(configuration))
        {
            services.AddStackExchangeRedisCache(_ => { });
            services.AddOptions<Microsoft.Extensions.Caching.StackExchangeRedis.RedisCacheOptions>().Configure<IServiceProvider>((o, sp) =>
            {
                var redis = sp.GetRequiredService<Hosting.RedisConnection>();
                o.ConnectionMultiplexerFactory = () => Task.FromResult(redis.Multiplexer);
                o.InstanceName = redis.KeyPrefix + "cache:";
            });
        }
        else
        {
            services.AddDistributedMemoryCache();
        }

        services.AddOptions<FallbackRouteCacheOptions>().Configure(o =>
        {
            if (configuration[$"{Hosting.AgentHostServiceCollectionExtensions.SectionName}:Backends:{BackendNames.Victoria}:ProjectContext"] is { Length: > 0 } context)
            {
                o.KeyValues.Add("project_context=" + context);
            }
        });
    }
}
