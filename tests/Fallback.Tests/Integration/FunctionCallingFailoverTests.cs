using AgentHost.Connectors.Ollama;
using AgentHost.Emulators.Ollama;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Fallback.Tests.Integration;

/// <summary>
/// DESIGN §2: failover happens per model call, below function invocation. Two Ollama emulators; the first dies on the
/// second model call (after the tool call): the function runs once, the answer comes from the second backend, and the
/// caller's history holds nothing from the failed attempt.
/// </summary>
public sealed class FunctionCallingFailoverTests : IAsyncLifetime
{
    private readonly OllamaEmulator _a = new();
    private readonly OllamaEmulator _b = new();
    private ServiceProvider? _provider;
    private int _invoked;

    public async Task InitializeAsync()
    {
        await Task.WhenAll(_a.StartAsync(), _b.StartAsync());
        _a.Faults.PassRequests = 1;
        _a.Faults.StatusCode = 503;
        _a.Faults.ErrorMessage = "model runner crashed";
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddKernel()
            .Plugins.AddFromFunctions("Tools", [KernelFunctionFactory.CreateFromMethod(() => { Interlocked.Increment(ref _invoked); return "42"; }, "GetNumber", "Returns the number.")]);
        services.AddOllamaChatClient(o => o.Endpoint = _a.BaseAddress.ToString(), name: "OllamaA")
            .AddOllamaChatClient(o => o.Endpoint = _b.BaseAddress.ToString(), name: "OllamaB")
            .AddFallbackChatCompletion(o =>
            {
                o.Order = ["OllamaA", "OllamaB"];
                o.Health.ProbeInterval = TimeSpan.Zero;
            });
        _provider = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SK_auto_function_calling_over_the_chain_invokes_the_function_once_and_answers_from_the_second_backend(bool streaming)
    {
        var kernel = _provider!.GetRequiredService<Kernel>();
        var service = kernel.GetRequiredService<IChatCompletionService>();
        var history = new ChatHistory { new ChatMessageContent(AuthorRole.User, "what is the number?") };
        var settings = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };

        string text;
        FallbackReport report;
        if (streaming)
        {
            var chunks = await service.GetStreamingChatMessageContentsAsync(history, settings, kernel).ToListAsync();
            text = string.Concat(chunks.Select(c => c.Content));
            report = chunks.Select(c => c.GetFallbackReport()).Last(r => r is not null)!;
        }
        else
        {
            var answer = await service.GetChatMessageContentAsync(history, settings, kernel);
            text = answer.Content!;
            report = answer.GetFallbackReport()!;
        }

        Assert.Equal(1, _invoked);
        Assert.Contains("tool result: 42", text, StringComparison.Ordinal);
        Assert.Equal("OllamaB", report.Backend);
        Assert.Equal(["OllamaA: 503 model runner crashed", "OllamaB: answered"], report.Attempts.Select(a => a.ToString()));
        Assert.Equal(3, _a.GenerationRequests); // the tool-call step, then the failing step tried twice (503 is retried once)
        Assert.Equal(2, report.Attempts[0].Tries);
        Assert.Equal(1, _b.GenerationRequests);
        Assert.DoesNotContain(history, m => m.Content?.Contains("crashed", StringComparison.Ordinal) == true);
        Assert.Equal([AuthorRole.User, AuthorRole.Assistant, AuthorRole.Tool], history.Select(m => m.Role));
    }

    [Fact]
    public async Task MEAI_function_invocation_over_the_chain_behaves_the_same()
    {
        using var client = _provider!.GetRequiredService<IChatClient>().AsBuilder().UseFunctionInvocation().Build();
        var tool = AIFunctionFactory.Create(() => { Interlocked.Increment(ref _invoked); return "42"; }, "GetNumber", "Returns the number.");
        List<ChatMessage> history = [new(ChatRole.User, "what is the number?")];

        var response = await client.GetResponseAsync(history, new ChatOptions { Tools = [tool] });

        Assert.Equal(1, _invoked);
        Assert.Contains("tool result: 42", response.Text, StringComparison.Ordinal);
        Assert.Equal("OllamaB", response.GetFallbackReport()!.Backend);
        Assert.Equal(3, _a.GenerationRequests);
        Assert.Equal(1, _b.GenerationRequests);
        Assert.Equal([ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant], response.Messages.Select(m => m.Role));
        Assert.Single(history);
    }
}
