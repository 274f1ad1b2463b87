using AgentHost.Agents;
using AgentHost.Connectors.Ollama;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;

namespace AgentHost.Tests.Agents;

/// <summary>
/// The host's services in-process (<c>AddAgentHostChat</c>, as the CLI builds them) over emulators on loopback:
/// MLX (no tool support), Ollama, and a second Ollama registered as <c>OllamaB</c>; Victoria off. Agent files go in a
/// temporary folder. A DI function-invocation filter counts every function that actually ran.
/// </summary>
internal sealed class AgentHarness : IAsyncDisposable
{
    private readonly string _agents = Directory.CreateTempSubdirectory("agenthost-agent-run-").FullName;
    private readonly string _prompts = Directory.CreateTempSubdirectory("agenthost-agent-prompts-").FullName;
    private ServiceProvider? _provider;

    public MlxEmulator Mlx { get; } = new();

    public OllamaEmulator Ollama { get; } = new();

    public OllamaEmulator OllamaB { get; } = new();

    public InvocationCounter Invocations { get; } = new();

    public IServiceProvider Services => _provider ?? throw new InvalidOperationException("Call BuildAsync first.");

    public static async Task<AgentHarness> StartAsync()
    {
        var harness = new AgentHarness();
        await Task.WhenAll(harness.Mlx.StartAsync(), harness.Ollama.StartAsync(), harness.OllamaB.StartAsync());
        return harness;
    }

    /// <summary>Writes an agent file into the harness's agents folder.</summary>
    public void WriteAgent(string file, string text) => File.WriteAllText(Path.Combine(_agents, file), text);

    /// <summary>Writes a prompt template into the harness's prompts folder (<c>AgentHost:PromptsPath</c>).</summary>
    public void WritePrompt(string file, string text) => File.WriteAllText(Path.Combine(_prompts, file), text);

    /// <summary>Builds the container with the chain in <paramref name="order"/>.</summary>
    public IServiceProvider Build(params string[] order)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AgentHost:Backends:Mlx:Endpoint"] = Mlx.BaseAddress.ToString(),
            ["AgentHost:Backends:Ollama:Endpoint"] = Ollama.BaseAddress.ToString(),
            ["AgentHost:Backends:Victoria:Enabled"] = "false",
            ["AgentHost:Fallback:Health:ProbeInterval"] = "00:00:00",
            ["AgentHost:Fallback:Resilience:MaxRetryAttempts"] = "0",
            ["AgentHost:AgentsPath"] = _agents,
            ["AgentHost:PromptsPath"] = _prompts,
        };
        for (var i = 0; i < order.Length; i++)
        {
            settings[$"AgentHost:Fallback:Order:{i}"] = order[i];
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddAgentHostChat(configuration);
        services.AddOllamaChatClient(o => o.Endpoint = OllamaB.BaseAddress.ToString(), name: "OllamaB");
        services.AddSingleton<IFunctionInvocationFilter>(Invocations);
        _provider = services.BuildServiceProvider();
        return _provider;
    }

    public AgentDefinition Agent(string name) => Services.GetRequiredService<AgentCatalog>().Find(name) ?? throw new InvalidOperationException(name);

    public Task<AgentRunResult> RunAsync(string agent, string goal) => Services.GetRequiredService<AgentRunner>().RunAsync(Agent(agent), goal, CancellationToken.None);

    /// <summary>A tool script that calls the tool whose name ends with <paramref name="suffix"/> once, with <paramref name="arguments"/>, then answers.</summary>
    public static Func<IReadOnlyList<OllamaChatMessage>, IReadOnlyList<string>, OllamaToolCall?> CallOnce(string suffix, IReadOnlyDictionary<string, object?> arguments) =>
        (messages, tools) => OllamaEmulator.DefaultToolCallScript(messages, tools) is null
            ? null
            : new OllamaToolCall(tools.First(t => t.EndsWith(suffix, StringComparison.Ordinal)), arguments);

    public async ValueTask DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        await Task.WhenAll(Mlx.DisposeAsync().AsTask(), Ollama.DisposeAsync().AsTask(), OllamaB.DisposeAsync().AsTask());
        Directory.Delete(_agents, recursive: true);
        Directory.Delete(_prompts, recursive: true);
    }

    /// <summary>Counts functions that really ran (a kernel filter, independent of the agent's own record).</summary>
    public sealed class InvocationCounter : IFunctionInvocationFilter
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _ran = new();

        public IReadOnlyList<string> Ran => [.. _ran];

        public async Task OnFunctionInvocationAsync(FunctionInvocationContext context, Func<FunctionInvocationContext, Task> next)
        {
            _ran.Enqueue($"{context.Function.PluginName}.{context.Function.Name}");
            await next(context);
        }
    }
}
