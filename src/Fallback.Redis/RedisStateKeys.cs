using StackExchange.Redis;

namespace AgentHost.Fallback.Redis;

/// <summary>The keys and the channel of one fleet: <c>{prefix}breaker:{backend}</c>, <c>…:trial</c>, <c>{prefix}health:{backend}</c>, <c>{prefix}state</c>.</summary>
internal sealed class RedisStateKeys(string prefix)
{
    public RedisChannel Channel { get; } = RedisChannel.Literal(prefix + "state");

    public RedisKey Breaker(string backend) => $"{prefix}breaker:{Normal(backend)}";

    public RedisKey Trial(string backend) => $"{prefix}breaker:{Normal(backend)}:trial";

    public RedisKey Health(string backend) => $"{prefix}health:{Normal(backend)}";

    // Backend names are case-insensitive: one key per backend whatever the spelling.
    private static string Normal(string backend) => backend.ToLowerInvariant();
}
