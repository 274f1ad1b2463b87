using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AgentHost.Backends;

/// <summary>
/// The one registration shape every connector uses, so the fallback chain finds each backend the same way:
/// a <see cref="BackendDescriptor"/>, plus a keyed <see cref="IChatClient"/>, <see cref="IHealthCheck"/> and
/// <see cref="IModelCatalog"/> under the backend's name.
/// </summary>
public static class BackendServiceCollectionExtensions
{
    /// <summary>The name of the <see cref="IHttpClientFactory"/> client a backend uses.</summary>
    public static string HttpClientName(string backendName) => $"AgentHost.Backend.{backendName}";

    /// <summary>Adds named, validated-at-start options for a backend.</summary>
    public static OptionsBuilder<TOptions> AddBackendOptions<TOptions>(this IServiceCollection services, string name)
        where TOptions : BackendOptions
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return services.AddOptions<TOptions>(name).ValidateDataAnnotations().ValidateOnStart();
    }

    /// <summary>
    /// Registers a backend: its descriptor, its named <see cref="HttpClient"/> (base address and timeout from the options)
    /// and, keyed by <paramref name="name"/>, its chat client, health check and model catalog.
    /// <paramref name="isLastResort"/> marks the descriptor as a last resort (<see cref="BackendDescriptor.IsLastResort"/>).
    /// </summary>
    public static IServiceCollection AddBackend<TOptions>(
        this IServiceCollection services,
        string name,
        string displayName,
        Func<IServiceProvider, TOptions, IChatClient> chatClient,
        Func<IServiceProvider, TOptions, IHealthCheck> healthCheck,
        Func<IServiceProvider, TOptions, IModelCatalog> modelCatalog,
        TimeSpan defaultRequestTimeout,
        bool isLastResort = false)
        where TOptions : BackendOptions
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(chatClient);
        ArgumentNullException.ThrowIfNull(healthCheck);
        ArgumentNullException.ThrowIfNull(modelCatalog);

        static TOptions Options(IServiceProvider sp, string n) => sp.GetRequiredService<IOptionsMonitor<TOptions>>().Get(n);

        services.AddHttpClient(HttpClientName(name), (sp, http) =>
        {
            var options = Options(sp, name);
            if (options.Enabled)
            {
                http.BaseAddress = options.EndpointUri;
            }

            http.Timeout = options.RequestTimeout ?? defaultRequestTimeout;
        })
        // The chain logs one line per attempt and the connectors their backend's failures; IHttpClientFactory's own
        // request lines (two handlers and a scope on every backend call, Information, filtered out by default) add nothing.
        .RemoveAllLoggers();

        services.AddSingleton(new BackendDescriptor(name, displayName, sp => Options(sp, name)) { IsLastResort = isLastResort });
        services.AddKeyedSingleton<IChatClient>(name, (sp, _) => chatClient(sp, Options(sp, name)));
        services.AddKeyedSingleton<IHealthCheck>(name, (sp, _) => healthCheck(sp, Options(sp, name)));
        services.AddKeyedSingleton<IModelCatalog>(name, (sp, _) => modelCatalog(sp, Options(sp, name)));
        return services;
    }
}
