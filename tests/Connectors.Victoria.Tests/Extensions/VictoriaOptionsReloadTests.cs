using AgentHost.Backends;
using AgentHost.Emulators.Victoria;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentHost.Connectors.Victoria.Tests.Extensions;

/// <summary>A reloaded Victoria endpoint, mode or model reaches the connector's next call, its health check and its catalog.</summary>
public sealed class VictoriaOptionsReloadTests : IAsyncLifetime
{
    private readonly VictoriaEmulator _first = new();
    private readonly VictoriaEmulator _second = new();

    public Task InitializeAsync() => Task.WhenAll(_first.StartAsync(), _second.StartAsync());

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Fact]
    public async Task A_changed_endpoint_mode_and_model_applied_through_the_options_monitor_are_used_by_the_next_call()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Victoria:Endpoint"] = _first.BaseAddress.ToString(),
            ["Victoria:Model"] = "lead",
            ["Victoria:PollInterval"] = "00:00:00.005",
        }).Build();
        await using var provider = new ServiceCollection().AddLogging().AddVictoriaChatClient(config.GetSection("Victoria")).BuildServiceProvider();
        var chat = provider.GetRequiredKeyedService<IChatClient>(BackendNames.Victoria);
        var health = provider.GetRequiredKeyedService<IHealthCheck>(BackendNames.Victoria);
        var catalog = provider.GetRequiredKeyedService<IModelCatalog>(BackendNames.Victoria);

        var before = await chat.GetResponseAsync("before");
        config["Victoria:Endpoint"] = _second.BaseAddress.ToString();
        config["Victoria:Mode"] = "Async";
        config["Victoria:Model"] = "team";
        config.Reload();
        var after = await chat.GetResponseAsync("after");
        var streamed = await chat.GetStreamingResponseAsync("streamed after").ToListAsync();
        await health.CheckHealthAsync(new HealthCheckContext());
        var models = await catalog.ListModelsAsync();

        Assert.Equal(1, _first.GenerationRequests);
        Assert.Equal(2, _second.GenerationRequests);
        Assert.Equal(("lead", "team"), (before.ModelId, after.ModelId));
        Assert.Equal("Victoria: streamed after", streamed.ToChatResponse().Text);
        Assert.All(_second.Requests.Where(r => r.Method == "POST"), r => Assert.Equal("/run?async_mode=true", r.PathAndQuery));
        Assert.Contains(_second.Requests, r => r.PathAndQuery == "/health");
        Assert.DoesNotContain(_first.Requests, r => r.PathAndQuery == "/health");
        Assert.Equal("team", Assert.Single(models).Name);
        Assert.Equal(_second.BaseAddress, chat.GetService<ChatClientMetadata>()!.ProviderUri);
    }
}
