using System.Text.Json;
using AgentHost.Fallback;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;

namespace AgentHost.Tests.Agents;

/// <summary>
/// Microsoft Agent Framework over the host: a <see cref="ChatClientAgent"/> on the chain's <see cref="IChatClient"/>
/// (resolved from the host's DI) with one of the built-in plugins' functions as its tool. Its function invocation sits
/// above the chain, so it fails over per model call like SK's does, and the function runs once.
/// </summary>
public sealed class AgentFrameworkTests : IAsyncLifetime
{
    private AgentHarness _h = null!;
    private CountingFunction? _evaluate;

    public async Task InitializeAsync()
    {
        _h = await AgentHarness.StartAsync();
        _h.Ollama.ToolCallScript = AgentHarness.CallOnce("evaluate", new Dictionary<string, object?> { ["expression"] = "6 * 7" });
        _h.OllamaB.ToolCallScript = _h.Ollama.ToolCallScript;
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private ChatClientAgent CreateAgent()
    {
        var services = _h.Services;
        var kernel = new Kernel(services, new KernelPluginCollection(services.GetServices<KernelPlugin>()));
        // An SK function handed to MEAI must carry its kernel (PACKAGES.md): without it the call fails inside SK.
        _evaluate = new CountingFunction(kernel.Plugins["math"]["evaluate"].WithKernel(kernel));
        return new ChatClientAgent(
            services.GetRequiredService<IChatClient>(),
            instructions: "Use the evaluate tool for every calculation.",
            name: "calculator",
            tools: [_evaluate]);
    }

    [Fact]
    public async Task A_ChatClientAgent_runs_on_the_chain_with_a_plugin_function_as_its_tool()
    {
        _h.Build("Ollama");

        var response = await CreateAgent().RunAsync("what is 6 times 7?");

        Assert.Equal("Ollama: what is 6 times 7? (tool result: 42)", response.Text);
        Assert.Equal(1, _evaluate!.Invocations);
        Assert.Equal("Ollama", Report(response).Backend);
        using var first = JsonDocument.Parse(_h.Ollama.Requests.First(r => r.PathAndQuery.StartsWith("/api/chat", StringComparison.Ordinal)).Body);
        Assert.Equal("Use the evaluate tool for every calculation.", first.RootElement.GetProperty("messages")[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task It_fails_over_per_model_call_and_the_function_runs_once()
    {
        _h.Ollama.Faults.PassRequests = 1;
        _h.Ollama.Faults.StatusCode = 500;
        _h.Ollama.Faults.ErrorMessage = "model runner has unexpectedly stopped";
        _h.Build("Ollama", "OllamaB");

        var response = await CreateAgent().RunAsync("what is 6 times 7?");

        Assert.Equal("Ollama: what is 6 times 7? (tool result: 42)", response.Text);
        Assert.Equal(1, _evaluate!.Invocations);
        var report = Report(response);
        Assert.Equal("OllamaB", report.Backend);
        Assert.Equal(["Ollama: 500 model runner has unexpectedly stopped", "OllamaB: answered"], report.Attempts.Select(a => a.ToString()));
        Assert.Equal(2, _h.Ollama.GenerationRequests);
        Assert.Equal(1, _h.OllamaB.GenerationRequests);
    }

    private static FallbackReport Report(AgentResponse response) =>
        response.Messages.Select(m => m.GetFallbackReport()).LastOrDefault(r => r is not null)
        ?? (response.RawRepresentation as ChatResponse)?.GetFallbackReport()
        ?? throw new Xunit.Sdk.XunitException("The agent's response carries no fallback report.");

    /// <summary>Counts the tool's real invocations (SK's kernel filters do not run when MEAI invokes a KernelFunction).</summary>
    private sealed class CountingFunction(AIFunction inner) : DelegatingAIFunction(inner)
    {
        private int _invocations;

        public int Invocations => Volatile.Read(ref _invocations);

        protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _invocations);
            return base.InvokeCoreAsync(arguments, cancellationToken);
        }
    }
}
