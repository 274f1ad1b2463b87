using AgentHost.Backends;
using AgentHost.Fallback;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The backends registered in a container, as the chain takes them: one <see cref="ChainBackend"/> per
/// <see cref="BackendDescriptor"/>, its client, health check and catalog resolved by its name as service key on first
/// use, its options read through the descriptor and watched through their <c>IOptionsMonitor</c>.
/// </summary>
internal static class RegisteredChainBackends
{
    public static IReadOnlyList<ChainBackend> From(IServiceProvider services) =>
    [
        .. services.GetServices<BackendDescriptor>().DistinctBy(d => d.Name, StringComparer.OrdinalIgnoreCase).Select(d => new ChainBackend(
            d,
            () => services.GetRequiredKeyedService<IChatClient>(d.Name),
            () => d.GetOptions(services),
            () => services.GetKeyedService<IHealthCheck>(d.Name),
            () => services.GetKeyedService<IModelCatalog>(d.Name))
        {
            WatchOptions = (options, changed) => AgentHost.Fallback.Core.OptionsWatch.TryStart(services, d.Name, options, changed),
        }),
    ];
}
