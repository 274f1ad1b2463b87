using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AgentHost.Hosting;

/// <summary>Registers <see cref="StateOptions"/> and, when <c>AgentHost:State:Redis</c> is set, the shared <see cref="RedisConnection"/>.</summary>
internal static class StateServiceCollectionExtensions
{
    /// <summary>Whether <paramref name="configuration"/> names a shared-state Redis.</summary>
    public static bool HasSharedState(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration.GetSection(StateOptions.SectionName)[nameof(StateOptions.Redis)]);

    public static IServiceCollection AddAgentHostState(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StateOptions>().Bind(configuration.GetSection(StateOptions.SectionName));
        if (!HasSharedState(configuration))
        {
            return services;
        }

        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StateOptions>>().Value;
            return new RedisConnection(options.Redis!, options.KeyPrefix, sp.GetRequiredService<ILogger<RedisConnection>>());
        });
        services.TryAddSingleton<IConnectionMultiplexer>(sp => sp.GetRequiredService<RedisConnection>().Multiplexer);

        // The chain's breakers and health, shared by the fleet under the same prefix (Redis lost: each process's own, RedisConnection says so).
        var prefix = configuration.GetSection(StateOptions.SectionName)[nameof(StateOptions.KeyPrefix)] ?? new StateOptions().KeyPrefix;
        services.AddFallbackRedisState(o => o.KeyPrefix = prefix, sp => sp.GetRequiredService<RedisConnection>().Multiplexer);
        return services;
    }
}
