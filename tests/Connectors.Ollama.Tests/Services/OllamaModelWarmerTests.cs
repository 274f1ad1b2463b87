using System.Net;
using System.Text.Json.Nodes;
using AgentHost.Backends;
using AgentHost.Connectors.Ollama.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace AgentHost.Connectors.Ollama.Tests.Services;

public sealed class OllamaModelWarmerTests
{
    [Fact]
    public async Task Warm_up_sends_a_chat_without_messages_with_keep_alive_and_loads_the_model()
    {
        await using var host = await OllamaTestHost.StartAsync(o => { o.KeepAlive = TimeSpan.FromMinutes(10); o.WarmUpOnStart = true; });
        var warmer = host.Services.GetRequiredKeyedService<OllamaModelWarmer>(BackendNames.Ollama);

        await warmer.WarmUpAsync();

        Assert.True(warmer.WarmUpOnStart);
        var body = JsonNode.Parse(Assert.Single(host.ChatBodies))!;
        Assert.Equal("llama3.2", body["model"]!.GetValue<string>());
        Assert.Empty(body["messages"]!.AsArray());
        Assert.Equal("600s", body["keep_alive"]!.GetValue<string>());
        Assert.False(body["stream"]!.GetValue<bool>());
        Assert.Equal(["llama3.2:latest"], host.Emulator.LoadedModels);
    }

    [Fact]
    public async Task Warm_up_of_an_unknown_model_fails_with_404()
    {
        await using var host = await OllamaTestHost.StartAsync();
        var warmer = host.Services.GetRequiredKeyedService<OllamaModelWarmer>(BackendNames.Ollama);

        var ex = await Assert.ThrowsAsync<BackendHttpOperationException>(() => warmer.WarmUpAsync("mistral"));

        Assert.False(warmer.WarmUpOnStart);
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal("model 'mistral' not found", ex.ServerError);
        Assert.Empty(host.Emulator.LoadedModels);
    }
}
