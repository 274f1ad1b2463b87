using AgentHost.Fallback;
using AgentHost.Fallback.Redis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Shares the fallback chain's circuits and health with the other replicas of a fleet through Redis.</summary>
public static class FallbackRedisServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="RedisBackendStateSharing"/> as the <see cref="IBackendStateSharing"/> the chain
    /// (<c>AddFallbackChatClient</c>) uses, over the container's <see cref="IConnectionMultiplexer"/> (or the one
    /// <paramref name="connection"/> gives). Without it the chain's circuits and health are this process's own.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the key prefix, the re-check interval, the replica id.</param>
    /// <param name="connection">The connection to use; null: the registered <see cref="IConnectionMultiplexer"/>.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddFallbackRedisState(this IServiceCollection services, Action<RedisBackendStateOptions>? configure = null,
        Func<IServiceProvider, IConnectionMultiplexer>? connection = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new RedisBackendStateOptions();
        configure?.Invoke(options);
        services.TryAddSingleton<IBackendStateSharing>(sp => new RedisBackendStateSharing(
            connection?.Invoke(sp) ?? sp.GetRequiredService<IConnectionMultiplexer>(), options, sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<RedisBackendStateSharing>>()));
        return services;
    }
}
