using AgentHost.Emulators.Hosting;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Fallback;
using AgentHost.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;

namespace AgentHost.Tests.Embedded;

/// <summary>The host's kernel (<c>AddAgentHostChat</c>) in-process: with every server failing, an SK prompt function answers from Embedded.</summary>
public sealed class EmbeddedPromptFunctionTests : IAsyncLifetime
{
    private readonly MlxEmulator _mlx = new();
    private readonly OllamaEmulator _ollama = new();

    public async Task InitializeAsync()
    {
        await _mlx.StartAsync();
        await _ollama.StartAsync();
        _mlx.Faults.StatusCode = 503;
        _ollama.Faults.StatusCode = 503;
    }

    public async Task DisposeAsync()
    {
        await _mlx.DisposeAsync();
        await _ollama.DisposeAsync();
    }

    [Fact]
    public async Task A_prompt_function_answers_from_Embedded_when_every_server_fails()
    {
        using var services = Build();
        var kernel = services.GetRequiredService<Kernel>();

        var result = await kernel.InvokePromptAsync("Say hello to {{$name}}", new KernelArguments { ["name"] = "Ada" });

        Assert.False(string.IsNullOrEmpty(result.GetValue<string>()));
        var report = result.GetFallbackReport();
        Assert.Equal("Embedded", report?.Backend);
        Assert.Equal("tiny-llama.gguf", report?.Model);
        Assert.Contains(report!.Attempts, a => a.Backend == "Mlx" && a.Outcome == FallbackAttemptOutcome.Failed);
        Assert.Contains(report.Attempts, a => a.Backend == "Ollama" && a.Outcome == FallbackAttemptOutcome.Failed);
        Assert.True(_mlx.GenerationRequests > 0 && _ollama.GenerationRequests > 0);
    }

    [Fact]
    public async Task A_step_that_needs_tools_skips_Embedded_as_unable_to_serve_it()
    {
        using var services = Build();
        var chat = services.GetRequiredService<IChatClient>();
        var tool = AIFunctionFactory.Create(() => "12:00", "clock");

        var error = await Assert.ThrowsAsync<FallbackExhaustedException>(() =>
            chat.GetResponseAsync([new(ChatRole.User, "time?")], new ChatOptions { Tools = [tool] }));

        var embedded = Assert.Single(error.Report.Attempts, a => a.Backend == "Embedded");
        Assert.Equal(FallbackAttemptOutcome.Skipped, embedded.Outcome);
        Assert.Equal("no tool support", embedded.SkipReason);
    }

    private ServiceProvider Build()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentHost:Backends:Mlx:Endpoint"] = _mlx.BaseAddress.ToString(),
            ["AgentHost:Backends:Ollama:Endpoint"] = _ollama.BaseAddress.ToString(),
            ["AgentHost:Backends:Victoria:Endpoint"] = Loopback.RefusingAddress().ToString(),
            ["AgentHost:Backends:Embedded:Enabled"] = "true",
            ["AgentHost:Backends:Embedded:ModelPath"] = EmbeddedLastResortTests.TinyModelPath(),
            ["AgentHost:Backends:Embedded:MaxTokens"] = "16",
            ["AgentHost:Fallback:Resilience:RetryDelay"] = "00:00:00.010",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddAgentHostChat(configuration);
        return services.BuildServiceProvider();
    }
}
