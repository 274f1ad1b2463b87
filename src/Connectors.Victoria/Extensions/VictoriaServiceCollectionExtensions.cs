using AgentHost.Connectors.Victoria;
using AgentHost.Backends;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Victoria connector in a service collection.</summary>
public static class VictoriaServiceCollectionExtensions
{
    /// <summary>
    /// Adds Victoria as the backend <paramref name="name"/>: its validated options, its <c>HttpClient</c>, a keyed
    /// <see cref="IChatCompletionService"/> and, through <see cref="BackendServiceCollectionExtensions.AddBackend{TOptions}"/>,
    /// the keyed chat client, health check and model catalog the fallback chain uses.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options (defaults: <c>http://localhost:8010</c>, sync mode).</param>
    /// <param name="name">The backend's name and service key.</param>
    public static IServiceCollection AddVictoriaChatCompletion(
        this IServiceCollection services, Action<VictoriaOptions>? configure = null, string name = BackendNames.Victoria)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddBackendOptions<VictoriaOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return AddServices(services, name);
    }

    /// <summary>Adds Victoria as the backend <paramref name="name"/>, its options bound from <paramref name="section"/> (e.g. <c>AgentHost:Backends:Victoria</c>).</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The configuration section holding the options.</param>
    /// <param name="name">The backend's name and service key.</param>
    public static IServiceCollection AddVictoriaChatCompletion(
        this IServiceCollection services, IConfiguration section, string name = BackendNames.Victoria)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddBackendOptions<VictoriaOptions>(name).Bind(section);
        return AddServices(services, name);
    }

    private static IServiceCollection AddServices(IServiceCollection services, string name)
    {
        services.AddKeyedSingleton<IChatCompletionService>(name, (sp, _) =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<VictoriaOptions>>().Get(name);
            var factory = sp.GetRequiredService<IHttpClientFactory>();
            return new VictoriaChatCompletionService(
                () => factory.CreateClient(BackendServiceCollectionExtensions.HttpClientName(name)),
                options,
                name,
                sp.GetService<TimeProvider>(),
                sp.GetService<ILoggerFactory>());
        });

        return services.AddBackend<VictoriaOptions>(
            name,
            "Victoria",
            (sp, _) => sp.GetRequiredKeyedService<IChatCompletionService>(name).AsChatClient(),
            (sp, options) =>
            {
                var factory = sp.GetRequiredService<IHttpClientFactory>();
                return new VictoriaHealthCheck(() => factory.CreateClient(BackendServiceCollectionExtensions.HttpClientName(name)), options, sp.GetService<TimeProvider>());
            },
            (_, options) => new VictoriaModelCatalog(options),
            VictoriaOptions.DefaultRequestTimeout);
    }

    /// <summary>Adds Victoria as the backend <paramref name="name"/>, the name MEAI users look for; the same registration as <see cref="AddVictoriaChatCompletion(IServiceCollection, Action{VictoriaOptions}?, string)"/>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="name">The backend's name and service key.</param>
    public static IServiceCollection AddVictoriaChatClient(
        this IServiceCollection services, Action<VictoriaOptions>? configure = null, string name = BackendNames.Victoria) =>
        services.AddVictoriaChatCompletion(configure, name);

    /// <summary>Adds Victoria with its options bound from <paramref name="section"/>; the same registration as <see cref="AddVictoriaChatCompletion(IServiceCollection, IConfiguration, string)"/>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The configuration section holding the options.</param>
    /// <param name="name">The backend's name and service key.</param>
    public static IServiceCollection AddVictoriaChatClient(
        this IServiceCollection services, IConfiguration section, string name = BackendNames.Victoria) =>
        services.AddVictoriaChatCompletion(section, name);
}
