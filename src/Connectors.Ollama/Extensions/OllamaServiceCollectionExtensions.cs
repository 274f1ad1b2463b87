using AgentHost.Backends;
using AgentHost.Connectors.Ollama;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Ollama as a backend (through OllamaSharp's <c>OllamaApiClient</c>).</summary>
public static class OllamaServiceCollectionExtensions
{
    /// <summary>How long one request may take unless <see cref="BackendOptions.RequestTimeout"/> says otherwise.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Adds the Ollama backend named <paramref name="name"/>: validated <see cref="OllamaBackendOptions"/>, and keyed by
    /// <paramref name="name"/> an <see cref="IChatClient"/>, an SK <see cref="IChatCompletionService"/>, an
    /// <c>IHealthCheck</c> (<see cref="OllamaHealthCheck"/>), an <see cref="IModelCatalog"/>
    /// (<see cref="OllamaModelCatalog"/>) and an <see cref="OllamaModelWarmer"/>.
    /// </summary>
    public static IServiceCollection AddOllamaChatClient(this IServiceCollection services, Action<OllamaBackendOptions>? configure = null, string name = BackendNames.Ollama)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddBackendOptions<OllamaBackendOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return services.AddOllamaServices(name);
    }

    /// <summary>As <see cref="AddOllamaChatClient(IServiceCollection, Action{OllamaBackendOptions}?, string)"/>, binding the options from <paramref name="section"/> (e.g. <c>AgentHost:Backends:Ollama</c>).</summary>
    public static IServiceCollection AddOllamaChatClient(this IServiceCollection services, IConfiguration section, string name = BackendNames.Ollama)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddBackendOptions<OllamaBackendOptions>(name).Bind(section);
        return services.AddOllamaServices(name);
    }

    private static IServiceCollection AddOllamaServices(this IServiceCollection services, string name)
    {
        services.AddBackend<OllamaBackendOptions>(
            name,
            "Ollama",
            (sp, options) => new OllamaGuardChatClient(
                OllamaClients.Create(sp.GetRequiredService<IHttpClientFactory>(), name, options),
                name,
                options,
                Logger<OllamaGuardChatClient>(sp)),
            (sp, options) => new OllamaHealthCheck(sp.GetRequiredService<IHttpClientFactory>(), name, options, Logger<OllamaHealthCheck>(sp)),
            (sp, options) => new OllamaModelCatalog(sp.GetRequiredService<IHttpClientFactory>(), name, options),
            DefaultRequestTimeout);

        services.AddHttpClient(BackendServiceCollectionExtensions.HttpClientName(name))
            .AddHttpMessageHandler(sp => new OllamaHttpGuardHandler(name, sp.GetService<TimeProvider>() ?? TimeProvider.System, Logger<OllamaHttpGuardHandler>(sp)));

        services.AddKeyedSingleton<IChatCompletionService>(name, (sp, _) => sp.GetRequiredKeyedService<IChatClient>(name).AsChatCompletionService(sp));
        services.AddOllamaEmbeddingGenerator(name);
        services.AddKeyedSingleton(name, (sp, _) => new OllamaModelWarmer(
            sp.GetRequiredService<IHttpClientFactory>(),
            name,
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<OllamaBackendOptions>>().Get(name),
            Logger<OllamaModelWarmer>(sp)));
        return services;
    }

    private static ILogger<T> Logger<T>(IServiceProvider sp) => sp.GetService<ILogger<T>>() ?? NullLogger<T>.Instance;
}
