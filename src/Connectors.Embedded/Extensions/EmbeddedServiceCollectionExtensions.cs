using AgentHost.Backends;
using AgentHost.Connectors.Embedded;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the embedded (in-process LLamaSharp) backend, the chain's last resort.</summary>
public static class EmbeddedServiceCollectionExtensions
{
    /// <summary>The display name of the backend, e.g. in <c>backends</c> and in log lines.</summary>
    public const string DisplayName = "Embedded (LLamaSharp)";

    /// <summary>How long one request may take unless <see cref="BackendOptions.RequestTimeout"/> says otherwise.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Adds the embedded backend named <paramref name="name"/>: validated <see cref="EmbeddedBackendOptions"/> (off
    /// without a <see cref="EmbeddedBackendOptions.ModelPath"/>), and keyed by <paramref name="name"/> an
    /// <see cref="IChatClient"/> (<see cref="EmbeddedChatClient"/>), an SK <see cref="IChatCompletionService"/>, an
    /// <c>IHealthCheck</c> (<see cref="EmbeddedHealthCheck"/>) and an <see cref="IModelCatalog"/>
    /// (<see cref="EmbeddedModelCatalog"/>), plus the <see cref="EmbeddedModelWarmer"/>. Its descriptor is marked as a
    /// last resort: a fallback order that does not name it ends with it.
    /// </summary>
    public static IServiceCollection AddEmbeddedChatClient(this IServiceCollection services, Action<EmbeddedBackendOptions>? configure = null, string name = BackendNames.Embedded)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddBackendOptions<EmbeddedBackendOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return services.AddEmbeddedServices(name);
    }

    /// <summary>As <see cref="AddEmbeddedChatClient(IServiceCollection, Action{EmbeddedBackendOptions}?, string)"/>, binding the options from <paramref name="section"/> (e.g. <c>AgentHost:Backends:Embedded</c>).</summary>
    public static IServiceCollection AddEmbeddedChatClient(this IServiceCollection services, IConfiguration section, string name = BackendNames.Embedded)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddBackendOptions<EmbeddedBackendOptions>(name).Bind(section);
        return services.AddEmbeddedServices(name);
    }

    private static IServiceCollection AddEmbeddedServices(this IServiceCollection services, string name)
    {
        services.AddOptions<EmbeddedBackendOptions>(name).PostConfigure(o => o.ApplyModelDefaults());
        services.AddKeyedSingleton(name, (sp, _) => new EmbeddedModel(
            name,
            sp.GetRequiredService<IOptionsMonitor<EmbeddedBackendOptions>>().Get(name),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            Logger<EmbeddedModel>(sp)));

        services.AddBackend<EmbeddedBackendOptions>(
            name,
            DisplayName,
            (sp, _) => new EmbeddedChatClient(name, Model(sp, name), sp.GetService<TimeProvider>() ?? TimeProvider.System, Logger<EmbeddedChatClient>(sp)),
            (sp, _) => new EmbeddedHealthCheck(name, Model(sp, name), Logger<EmbeddedHealthCheck>(sp)),
            (sp, _) => new EmbeddedModelCatalog(Model(sp, name)),
            DefaultRequestTimeout,
            isLastResort: true);

        services.AddKeyedSingleton<IChatCompletionService>(name, (sp, _) => sp.GetRequiredKeyedService<IChatClient>(name).AsChatCompletionService(sp));
        services.AddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(name, (sp, _) =>
            new EmbeddedEmbeddingGenerator(name, Model(sp, name), Logger<EmbeddedEmbeddingGenerator>(sp)));
        services.AddKeyedSingleton(name, (sp, _) => new EmbeddedModelWarmer(name, Model(sp, name), Logger<EmbeddedModelWarmer>(sp)));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredKeyedService<EmbeddedModelWarmer>(name));
        return services;
    }

    private static EmbeddedModel Model(IServiceProvider sp, string name) => sp.GetRequiredKeyedService<EmbeddedModel>(name);

    private static ILogger<T> Logger<T>(IServiceProvider sp) => sp.GetService<ILogger<T>>() ?? NullLogger<T>.Instance;
}
