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

    private static IServiceCollection AddFallbackCore(this IServiceCollection services)
    {
        services.AddOptions<FallbackOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FallbackOptions>, FallbackOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new BackendHealthMonitor(
            sp, sp.GetServices<AgentHost.Backends.BackendDescriptor>(), sp.GetRequiredService<IOptions<FallbackOptions>>(),
            sp.GetService<TimeProvider>(), sp.GetService<ILogger<BackendHealthMonitor>>()));
        services.AddOptions<FallbackRoutingOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FallbackRoutingOptions>, FallbackRoutingOptionsValidator>());
        services.TryAddSingleton(sp => new FallbackRouter(
            sp, sp.GetRequiredService<IOptions<FallbackOptions>>(), sp.GetRequiredService<IOptions<FallbackRoutingOptions>>(),
            sp.GetService<TimeProvider>(), sp.GetService<ILogger<FallbackRouter>>()));
        services.TryAddSingleton(sp => new FallbackChatClient(
            sp, sp.GetRequiredService<IOptions<FallbackOptions>>(), sp.GetRequiredService<BackendHealthMonitor>(),
            sp.GetRequiredService<FallbackRouter>(), sp.GetService<TimeProvider>(), sp.GetService<ILogger<FallbackChatClient>>()));

        // The chain is THE chat service: registered last, it wins single resolution over any backend's own registration.
        services.AddSingleton<IChatClient>(sp => sp.GetRequiredService<FallbackChatClient>());
        services.AddHostedService(sp => new BackendHealthProber(
            sp.GetRequiredService<BackendHealthMonitor>(), sp.GetRequiredService<IOptions<FallbackOptions>>(), sp.GetService<TimeProvider>()));
        return services;
    }
}
