using AgentHost.Backends;
using AgentHost.Connectors.Victoria;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Victoria connector in a service collection.</summary>
public static class VictoriaServiceCollectionExtensions
{
    /// <summary>
    /// Adds Victoria as the backend <paramref name="name"/>: its validated options; through
    /// <see cref="BackendServiceCollectionExtensions.AddBackend{TOptions}"/> its descriptor, <c>HttpClient</c> and the keyed
    /// <see cref="IChatClient"/> (<see cref="VictoriaChatClient"/>), health check and model catalog the fallback chain uses;
    /// and the keyed SK <see cref="IChatCompletionService"/>, SK's <c>AsChatCompletionService()</c> over that client.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options (defaults: <c>http://localhost:8010</c>, sync mode).</param>
    /// <param name="name">The backend's name and service key.</param>
    public static IServiceCollection AddVictoriaChatClient(
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
    public static IServiceCollection AddVictoriaChatClient(
        this IServiceCollection services, IConfiguration section, string name = BackendNames.Victoria)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddBackendOptions<VictoriaOptions>(name).Bind(section);
        return AddServices(services, name);
    }

    /// <summary>The same registration as <see cref="AddVictoriaChatClient(IServiceCollection, Action{VictoriaOptions}?, string)"/>, under the name SK users look for.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="name">The backend's name and service key.</param>
    public static IServiceCollection AddVictoriaChatCompletion(
        this IServiceCollection services, Action<VictoriaOptions>? configure = null, string name = BackendNames.Victoria) =>
        services.AddVictoriaChatClient(configure, name);

    /// <summary>The same registration as <see cref="AddVictoriaChatClient(IServiceCollection, IConfiguration, string)"/>, under the name SK users look for.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The configuration section holding the options.</param>
    /// <param name="name">The backend's name and service key.</param>
    public static IServiceCollection AddVictoriaChatCompletion(
        this IServiceCollection services, IConfiguration section, string name = BackendNames.Victoria) =>
        services.AddVictoriaChatClient(section, name);

    private static IServiceCollection AddServices(IServiceCollection services, string name)
    {
        // A client per call from the factory (its timeout follows the options) and the options read per call from the
        // monitor, so a configuration reload of Endpoint, Mode or Model takes effect.
        static Func<HttpClient> Http(IServiceProvider sp, string name)
        {
            var factory = sp.GetRequiredService<IHttpClientFactory>();
            return () => factory.CreateClient(BackendServiceCollectionExtensions.HttpClientName(name));
        }

        static Func<VictoriaOptions> Current(IServiceProvider sp, string name)
        {
            var monitor = sp.GetRequiredService<IOptionsMonitor<VictoriaOptions>>();
            return () => monitor.Get(name);
        }

        services.AddBackend<VictoriaOptions>(
            name,
            "Victoria",
            (sp, _) => new VictoriaChatClient(Http(sp, name), Current(sp, name), name, sp.GetService<TimeProvider>(), sp.GetService<ILoggerFactory>()),
            (sp, _) => new VictoriaHealthCheck(Http(sp, name), Current(sp, name), sp.GetService<TimeProvider>()),
            (sp, _) => new VictoriaModelCatalog(Current(sp, name)),
            VictoriaOptions.DefaultRequestTimeout);

        // The SK face is SK's own adapter over the native client, as SK does for Ollama.
        services.AddKeyedSingleton<IChatCompletionService>(name, (sp, _) => sp.GetRequiredKeyedService<IChatClient>(name).AsChatCompletionService(sp));
        return services;
    }
}
