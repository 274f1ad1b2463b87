using AgentHost.Backends;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentHost.Fallback.Benchmarks.Backends;

/// <summary>Registers an in-memory backend exactly as a connector does: named options + <see cref="BackendServiceCollectionExtensions.AddBackend{TOptions}"/>.</summary>
public static class InMemoryBackendRegistration
{
    public static IServiceCollection AddInMemoryBackend(this IServiceCollection services, InMemoryChatClient client, InMemoryHealthCheck health)
    {
        services.AddBackendOptions<InMemoryBackendOptions>(client.Name).Configure(o =>
        {
            o.Endpoint = $"http://{client.Name.ToLowerInvariant()}.in-memory.invalid";
            o.Model = "in-memory-model";
        });
        return services.AddBackend<InMemoryBackendOptions>(
            client.Name,
            $"In-memory {client.Name}",
            (_, _) => client,
            (_, _) => health,
            (_, o) => new InMemoryModelCatalog(o.Model!),
            TimeSpan.FromSeconds(30));
    }
}

/// <summary>A health check whose answer the benchmark sets (healthy by default).</summary>
public sealed class InMemoryHealthCheck : IHealthCheck
{
    public HealthStatus Status { get; set; } = HealthStatus.Healthy;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(new HealthCheckResult(Status, Status == HealthStatus.Healthy ? "in memory" : "marked down by the benchmark"));
}

/// <summary>A one-model catalog.</summary>
public sealed class InMemoryModelCatalog(string model) : IModelCatalog
{
    public Task<IReadOnlyList<BackendModelInfo>> ListModelsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<BackendModelInfo>>([new BackendModelInfo(model)]);
}
