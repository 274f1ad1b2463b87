using AgentHost.Backends;
using AgentHost.Connectors.Ollama.Tests.TestSupport;
using AgentHost.Emulators.Ollama;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentHost.Connectors.Ollama.Tests.Services;

public sealed class OllamaModelCatalogTests
{
    [Fact]
    public async Task Lists_tags_with_sizes_and_marks_the_loaded_ones_from_ps()
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.Models = [new OllamaEmulatorModel("llama3.2:latest", 2_019_393_189), new OllamaEmulatorModel("qwen2.5:7b", 4_683_087_332)];
        host.Emulator.Load("qwen2.5:7b");

        var models = await host.Services.GetRequiredKeyedService<IModelCatalog>(BackendNames.Ollama).ListModelsAsync();

        Assert.Equal(
            [new BackendModelInfo("llama3.2:latest", 2_019_393_189, false), new BackendModelInfo("qwen2.5:7b", 4_683_087_332, true)],
            models);
        Assert.Contains(host.Emulator.Requests, r => r.PathAndQuery == "/api/tags");
        Assert.Contains(host.Emulator.Requests, r => r.PathAndQuery == "/api/ps");
    }

    [Fact]
    public async Task A_chat_loads_its_model()
    {
        await using var host = await OllamaTestHost.StartAsync();
        var catalog = host.Services.GetRequiredKeyedService<IModelCatalog>(BackendNames.Ollama);

        var before = await catalog.ListModelsAsync();
        await host.Chat.GetResponseAsync("hi");
        var after = await catalog.ListModelsAsync();

        Assert.False(before.Single(m => m.Name == "llama3.2:latest").Loaded);
        Assert.True(after.Single(m => m.Name == "llama3.2:latest").Loaded);
    }
}
