using AgentHost.Backends;
using AgentHost.Connectors.Mlx;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the MLX connector in a service collection.</summary>
public static class MlxServiceCollectionExtensions
{
    /// <summary>
    /// Adds the MLX backend under <paramref name="name"/>: validated-at-start <see cref="MlxOptions"/>; through
    /// <see cref="BackendServiceCollectionExtensions.AddBackend{TOptions}"/> its descriptor, HTTP client (10 minutes
    /// timeout unless <see cref="BackendOptions.RequestTimeout"/> says otherwise) and keyed <see cref="IChatClient"/>
    /// (<see cref="MlxChatClient"/>), <c>IHealthCheck</c> and <see cref="IModelCatalog"/>; and the keyed SK
    /// <see cref="IChatCompletionService"/>, SK's <c>AsChatCompletionService()</c> over that client.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options (defaults: <c>http://localhost:11435</c>, <see cref="MlxProtocol.Generate"/>).</param>
    /// <param name="name">The backend name: the service key and the name in fallback orders.</param>
    public static IServiceCollection AddMlxChatClient(this IServiceCollection services, Action<MlxOptions>? configure = null, string name = BackendNames.Mlx)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddBackendOptions<MlxOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return services.AddMlxServices(name);
    }

    /// <summary>Adds the MLX backend with its options bound from a configuration section, e.g. <c>AgentHost:Backends:Mlx</c>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section holding <see cref="MlxOptions"/> (<c>Endpoint</c>, <c>Model</c>, <c>Protocol</c>, ...).</param>
    /// <param name="name">The backend name: the service key and the name in fallback orders.</param>
    public static IServiceCollection AddMlxChatClient(this IServiceCollection services, IConfiguration section, string name = BackendNames.Mlx)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddBackendOptions<MlxOptions>(name).Bind(section);
        return services.AddMlxServices(name);
    }

    /// <summary>The same registration as <see cref="AddMlxChatClient(IServiceCollection, Action{MlxOptions}?, string)"/>, under the name SK users look for.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="name">The backend name: the service key and the name in fallback orders.</param>
    public static IServiceCollection AddMlxChatCompletion(this IServiceCollection services, Action<MlxOptions>? configure = null, string name = BackendNames.Mlx) =>
        services.AddMlxChatClient(configure, name);

    /// <summary>The same registration as <see cref="AddMlxChatClient(IServiceCollection, IConfiguration, string)"/>, under the name SK users look for.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section holding <see cref="MlxOptions"/>.</param>
    /// <param name="name">The backend name: the service key and the name in fallback orders.</param>
    public static IServiceCollection AddMlxChatCompletion(this IServiceCollection services, IConfiguration section, string name = BackendNames.Mlx) =>
        services.AddMlxChatClient(section, name);

    private static IServiceCollection AddMlxServices(this IServiceCollection services, string name)
    {
        static HttpClient Http(IServiceProvider sp, string name) =>
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(BackendServiceCollectionExtensions.HttpClientName(name));

        // Options are read per call from the monitor, so a configuration reload of Endpoint, Model or Protocol takes effect.
        static Func<MlxOptions> Current(IServiceProvider sp, string name)
        {
            var monitor = sp.GetRequiredService<IOptionsMonitor<MlxOptions>>();
            return () => monitor.Get(name);
        }

        services.AddBackend<MlxOptions>(
            name,
            "MLX API Server",
            chatClient: (sp, _) => new MlxChatClient(Http(sp, name), Current(sp, name), sp.GetService<ILoggerFactory>(), sp.GetService<TimeProvider>(), name),
            healthCheck: (sp, _) => new MlxHealthCheck(Http(sp, name), Current(sp, name), sp.GetService<ILoggerFactory>(), name),
            modelCatalog: (sp, _) => new MlxModelCatalog(Http(sp, name), Current(sp, name), name, sp.GetService<TimeProvider>()),
            defaultRequestTimeout: MlxOptions.DefaultRequestTimeout);

        // Embeddings only where the server has a route for them (Embeddings:Path); none: the chain skips it as "cannot embed".
        services.AddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(name, (sp, _) =>
            MlxEmbeddingGenerator.CreateIfConfigured(Http(sp, name), Current(sp, name), name, sp.GetService<TimeProvider>())!);

        // The SK face is SK's own adapter over the native client, as SK does for Ollama.
        services.AddKeyedSingleton<IChatCompletionService>(name, (sp, _) => sp.GetRequiredKeyedService<IChatClient>(name).AsChatCompletionService(sp));
        return services;
    }
}
