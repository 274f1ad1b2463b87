using AgentHost.Fallback;
using Microsoft.Extensions.AI;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds steps to the pipeline the chain puts over each backend's client.</summary>
public static class FallbackBackendPipelineServiceCollectionExtensions
{
    /// <summary>
    /// Adds <paramref name="configure"/> to what the chain puts over every backend's client, in the order added:
    /// the chain calls <c>backendClient.AsBuilder()</c>, then each step with the backend's name, then <c>Build()</c>.
    /// E.g. <c>services.ConfigureFallbackBackends((name, b) => b.UseUpdateCoalescing())</c> merges each backend's bursts
    /// where they are read. The backends' own keyed clients are left as registered.
    /// </summary>
    public static IServiceCollection ConfigureFallbackBackends(this IServiceCollection services, Action<string, ChatClientBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSingleton(new FallbackBackendStep(configure));
        return services;
    }
}

/// <summary>One step of the pipeline over each backend's client (<see cref="FallbackBackendPipelineServiceCollectionExtensions.ConfigureFallbackBackends"/>).</summary>
internal sealed record FallbackBackendStep(Action<string, ChatClientBuilder> Configure);
