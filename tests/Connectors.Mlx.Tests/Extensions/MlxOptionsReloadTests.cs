using AgentHost.Backends;
using AgentHost.Emulators.Mlx;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentHost.Connectors.Mlx.Tests.Extensions;

/// <summary>A reloaded MLX endpoint or model reaches the connector's next call, its health check and its catalog.</summary>
public sealed class MlxOptionsReloadTests : IAsyncLifetime
{
    private readonly MlxEmulator _first = new();
    private readonly MlxEmulator _second = new();

    public Task InitializeAsync() => Task.WhenAll(_first.StartAsync(), _second.StartAsync());

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Fact]
    public async Task A_changed_endpoint_and_model_applied_through_the_options_monitor_are_used_by_the_next_call()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mlx:Endpoint"] = _first.BaseAddress.ToString(),
            ["Mlx:Model"] = "phi3.5:3.8b",
        }).Build();
        await using var provider = new ServiceCollection().AddLogging().AddMlxChatCompletion(config.GetSection("Mlx")).BuildServiceProvider();
        var chat = provider.GetRequiredKeyedService<IChatClient>(BackendNames.Mlx);
        var health = provider.GetRequiredKeyedService<IHealthCheck>(BackendNames.Mlx);
        var catalog = provider.GetRequiredKeyedService<IModelCatalog>(BackendNames.Mlx);

        await chat.GetResponseAsync("before");
        config["Mlx:Endpoint"] = _second.BaseAddress.ToString();
        config["Mlx:Model"] = "tinyllama:1.1b-chat";
        config.Reload();
        await chat.GetResponseAsync("after");
        var streamed = await chat.GetStreamingResponseAsync("streamed after").ToListAsync();
        await health.CheckHealthAsync(new HealthCheckContext());
        await catalog.ListModelsAsync();

        Assert.Equal(1, _first.GenerationRequests);
        Assert.Equal(2, _second.GenerationRequests);
        Assert.NotEmpty(streamed);
        var generated = _second.Requests.Where(r => r.PathAndQuery == "/api/generate").ToList();
        Assert.All(generated, r => Assert.Contains("\"model\":\"tinyllama:1.1b-chat\"", r.Body, StringComparison.Ordinal));
        Assert.Contains(_second.Requests, r => r.PathAndQuery == "/health");
        Assert.Contains(_second.Requests, r => r.PathAndQuery == "/api/tags");
        Assert.DoesNotContain(_first.Requests, r => r.PathAndQuery is "/health" or "/api/tags");
    }
}
