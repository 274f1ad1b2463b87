using AgentHost.Backends;
using AgentHost.Fallback;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The backends registered in a container, as the chain takes them: one <see cref="ChainBackend"/> per
/// <see cref="BackendDescriptor"/>, its client (under the steps of <c>ConfigureFallbackBackends</c>), health check and
/// catalog resolved by its name as service key on first use, its options read through the descriptor and watched through
/// their <c>IOptionsMonitor</c>.
/// </summary>
internal static class RegisteredChainBackends
{
    public static IReadOnlyList<ChainBackend> From(IServiceProvider services)
    {
        var steps = services.GetServices<FallbackBackendStep>().ToList();
        return [.. services.GetServices<BackendDescriptor>().DistinctBy(d => d.Name, StringComparer.OrdinalIgnoreCase).Select(d => Backend(services, d, steps))];
    }

    private static ChainBackend Backend(IServiceProvider services, BackendDescriptor d, List<FallbackBackendStep> steps) =>
        new(
            d,
            () => Client(services, d.Name, steps),
            () => d.GetOptions(services),
            () => services.GetKeyedService<IHealthCheck>(d.Name),
            () => services.GetKeyedService<IModelCatalog>(d.Name))
        {
            WatchOptions = (options, changed) => AgentHost.Fallback.Core.OptionsWatch.TryStart(services, d.Name, options, changed),
            Embeddings = () => services.GetKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(d.Name),
        };

    /// <summary>The backend's keyed client under the steps configured for every backend (none: the client itself).</summary>
    private static IChatClient Client(IServiceProvider services, string name, List<FallbackBackendStep> steps)
    {
        var client = services.GetRequiredKeyedService<IChatClient>(name);
        if (steps.Count == 0)
        {
            return client;
        }

        var builder = client.AsBuilder();
        steps.ForEach(s => s.Configure(name, builder));
        return builder.Build(services);
    }
}
