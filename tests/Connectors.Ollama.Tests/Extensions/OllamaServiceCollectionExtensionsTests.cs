using AgentHost.Backends;
using AgentHost.Connectors.Ollama.Tests.TestSupport;
using AgentHost.Emulators.Ollama;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using OllamaSharp;

namespace AgentHost.Connectors.Ollama.Tests.Extensions;

public sealed class OllamaServiceCollectionExtensionsTests
{
    [Fact]
    public void Registers_every_keyed_service_under_the_backend_name()
    {
        using var services = new ServiceCollection().AddOllamaChatClient().BuildServiceProvider();

        var descriptor = Assert.Single(services.GetServices<BackendDescriptor>());
        Assert.Equal("Ollama", descriptor.Name);
        Assert.Equal("Ollama", descriptor.DisplayName);
        Assert.IsType<OllamaBackendOptions>(descriptor.GetOptions(services));
        var chat = services.GetRequiredKeyedService<IChatClient>("Ollama");
        Assert.NotNull(chat.GetService<OllamaApiClient>());
        Assert.Equal("llama3.2", chat.GetService<ChatClientMetadata>()?.DefaultModelId);
        Assert.IsType<OllamaHealthCheck>(services.GetRequiredKeyedService<IHealthCheck>("Ollama"));
        Assert.IsType<OllamaModelCatalog>(services.GetRequiredKeyedService<IModelCatalog>("Ollama"));
        Assert.NotNull(services.GetRequiredKeyedService<IChatCompletionService>("Ollama"));
        Assert.NotNull(services.GetRequiredKeyedService<OllamaModelWarmer>("Ollama"));
    }

    [Fact]
    public void Http_client_uses_the_endpoint_and_a_ten_minute_default_timeout()
    {
        using var services = new ServiceCollection().AddOllamaChatClient(o => o.Endpoint = "http://gpu-box:11434").BuildServiceProvider();

        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(BackendServiceCollectionExtensions.HttpClientName("Ollama"));

        Assert.Equal(new Uri("http://gpu-box:11434/"), http.BaseAddress);
        Assert.Equal(TimeSpan.FromMinutes(10), http.Timeout);
    }

    [Fact]
    public void Bad_endpoint_fails_with_a_clear_validation_message()
    {
        using var services = new ServiceCollection().AddOllamaChatClient(o => o.Endpoint = "localhost:11434").BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredKeyedService<IChatClient>("Ollama"));
        var atStart = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Endpoint 'localhost:11434' is not an absolute http:// or https:// URL.", ex.Message);
        Assert.Contains("Endpoint 'localhost:11434' is not an absolute http:// or https:// URL.", atStart.Message);
    }

    [Fact]
    public void Options_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentHost:Backends:Ollama:Endpoint"] = "http://127.0.0.1:9002",
            ["AgentHost:Backends:Ollama:Model"] = "qwen2.5:7b",
            ["AgentHost:Backends:Ollama:KeepAlive"] = "00:30:00",
            ["AgentHost:Backends:Ollama:WarmUpOnStart"] = "true",
            ["AgentHost:Backends:Ollama:Capabilities:ContextWindow"] = "32768",
        }).Build();
        using var services = new ServiceCollection().AddOllamaChatClient(configuration.GetSection("AgentHost:Backends:Ollama")).BuildServiceProvider();

        var options = services.GetRequiredService<IOptionsMonitor<OllamaBackendOptions>>().Get("Ollama");

        Assert.Equal("http://127.0.0.1:9002", options.Endpoint);
        Assert.Equal("qwen2.5:7b", options.Model);
        Assert.Equal(TimeSpan.FromMinutes(30), options.KeepAlive);
        Assert.True(options.WarmUpOnStart);
        Assert.Equal(32768, options.Capabilities.ContextWindow);
        Assert.True(options.Capabilities.SupportsTools);
    }

    [Fact]
    public async Task A_second_backend_under_another_name_talks_to_its_own_server()
    {
        await using var first = await new OllamaEmulator().StartAsync();
        await using var second = await new OllamaEmulator().StartAsync();
        second.Faults.Answer = q => "second: " + q;
        using var services = new ServiceCollection()
            .AddOllamaChatClient(o => o.Endpoint = first.BaseAddress.ToString())
            .AddOllamaChatClient(o => o.Endpoint = second.BaseAddress.ToString(), "OllamaGpu")
            .BuildServiceProvider();

        var a = await services.GetRequiredKeyedService<IChatClient>("Ollama").GetResponseAsync("hi");
        var b = await services.GetRequiredKeyedService<IChatClient>("OllamaGpu").GetResponseAsync("hi");

        Assert.Equal("Ollama: hi", a.Text);
        Assert.Equal("second: hi", b.Text);
    }

    [Fact]
    public async Task Keyed_semantic_kernel_service_answers_streaming_and_not()
    {
        await using var host = await OllamaTestHost.StartAsync();
        var service = host.Services.GetRequiredKeyedService<IChatCompletionService>(BackendNames.Ollama);
        var history = new ChatHistory("You are terse.");
        history.AddUserMessage("why is the sky blue?");

        var message = await service.GetChatMessageContentAsync(history);
        var streamed = string.Concat(await service.GetStreamingChatMessageContentsAsync(history).Select(c => c.Content).ToListAsync());

        Assert.Equal("Ollama: why is the sky blue?", message.Content);
        Assert.Equal("Ollama: why is the sky blue?", streamed);
        Assert.Equal("system", System.Text.Json.Nodes.JsonNode.Parse(host.ChatBodies[0])!["messages"]![0]!["role"]!.GetValue<string>());
    }

    [Fact]
    public async Task Semantic_kernel_service_surfaces_in_band_errors_typed()
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.InBandErrorAfterChunks = 1;
        var service = host.Services.GetRequiredKeyedService<IChatCompletionService>(BackendNames.Ollama);

        // The in-band line comes only in a stream that has sent content (a non-streamed failure is a 500).
        var ex = await Assert.ThrowsAsync<BackendResponseException>(async () =>
        {
            await foreach (var _ in service.GetStreamingChatMessageContentsAsync("hi there friend"))
            {
            }
        });

        Assert.Equal(BackendResponseProblem.InBandError, ex.Problem);
    }

    [Fact]
    public async Task Kernel_builder_registration_runs_a_prompt()
    {
        await using var emulator = await new OllamaEmulator().StartAsync();
        var builder = Kernel.CreateBuilder();
        builder.AddOllamaChatClient(o => o.Endpoint = emulator.BaseAddress.ToString());
        var kernel = builder.Build();

        var result = await kernel.InvokePromptAsync("Say hello to {{$name}}", new KernelArguments(new PromptExecutionSettings { ServiceId = BackendNames.Ollama }) { ["name"] = "Ada" });

        Assert.Equal("Ollama: Say hello to Ada", result.GetValue<string>());
    }
}
