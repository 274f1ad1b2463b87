using AgentHost.Fallback.Redis;
using StackExchange.Redis;

namespace AgentHost.Fallback;

/// <summary>Shares a chain built without a container with the other replicas of its fleet through Redis.</summary>
public static class FallbackChainBuilderRedisExtensions
{
    /// <summary>
    /// Shares the chain's circuits and health through <paramref name="redis"/> (a <see cref="RedisBackendStateSharing"/>;
    /// the connection stays the caller's).
    /// </summary>
    /// <param name="builder">The chain's builder.</param>
    /// <param name="redis">The connection.</param>
    /// <param name="configure">Sets the key prefix, the re-check interval, the replica id.</param>
    /// <param name="timeProvider">The clock of the values written and of the re-check; null: the system's.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static FallbackChainBuilder UseRedisState(this FallbackChainBuilder builder, IConnectionMultiplexer redis,
        Action<RedisBackendStateOptions>? configure = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(redis);
        var options = new RedisBackendStateOptions();
        configure?.Invoke(options);
        return builder.UseSharedState(new RedisBackendStateSharing(redis, options, timeProvider));
    }
}
