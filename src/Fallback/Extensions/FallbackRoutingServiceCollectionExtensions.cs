using AgentHost.Fallback;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures the chain's routes, rules and semantic routing (see <see cref="FallbackRouter"/>).</summary>
public static class FallbackRoutingServiceCollectionExtensions
{
    /// <summary>Configures routing in code. Call beside <c>AddFallbackChatClient</c> (or SK's <c>AddFallbackChatCompletion</c>); options are validated at start.</summary>
    public static IServiceCollection AddFallbackRouting(this IServiceCollection services, Action<FallbackRoutingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<FallbackRoutingOptions>().Configure(configure);
        return services;
    }

    /// <summary>
    /// Binds routing from configuration: the routes from <paramref name="routes"/> (e.g. <c>AgentHost:Routes</c>, one child
    /// per route name) and the rules and semantic routing from <paramref name="routing"/> (e.g. <c>AgentHost:Routing</c>).
    /// </summary>
    public static IServiceCollection AddFallbackRouting(this IServiceCollection services, IConfiguration routes, IConfiguration routing)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(routing);
        services.AddOptions<FallbackRoutingOptions>().Configure(o =>
        {
            routing.Bind(o);
            foreach (var route in routes.GetChildren())
            {
                var options = new FallbackRouteOptions();
                route.Bind(options);
                o.Routes[route.Key] = options;
            }
        });
        return services;
    }
}
