using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentHost.Fallback;

/// <summary>
/// The route cache of the chain's <see cref="IChatClient"/> (<see cref="RouteCachingChatClient"/>), on when a route sets
/// <see cref="FallbackRouteOptions.CacheTtl"/>: answers go to the registered <see cref="IDistributedCache"/> (Redis, so
/// replicas share them), else to one in this process's memory.
/// </summary>
public sealed class FallbackRouteCacheOptions
{
    /// <summary>More values every cache key includes, e.g. a project context the backends are configured with.</summary>
    public IList<string> KeyValues { get; } = [];

    /// <summary>The chain, with the route cache over it when a route asks for one.</summary>
    internal static IChatClient Wrap(IServiceProvider services, FallbackChatClient chain)
    {
        if (!chain.Router.Routes.Any(r => r.CacheTimeToLive is not null))
        {
            return chain;
        }

        var storage = services.GetService<IDistributedCache>() ?? new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        var options = services.GetService<IOptions<FallbackRouteCacheOptions>>()?.Value;
        return new RouteCachingChatClient(chain, storage, chain.Router, services.GetService<ILogger<RouteCachingChatClient>>())
        {
            CacheKeyAdditionalValues = options is { KeyValues.Count: > 0 } ? [.. options.KeyValues] : null,
        };
    }
}
