using System.Text.Json;
using AgentHost.Emulators.Hosting;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Emulators.Victoria;
using AgentHost.Tests.Cli;

namespace AgentHost.Tests.Agents;

/// <summary>
/// <c>agent &lt;name&gt; "&lt;goal&gt;"</c> as a person runs it: the built host in its own process, the shipped agents,
/// all three emulators on loopback in the default order (Victoria?, Mlx, Ollama, Victoria). Only Ollama supports tools,
/// so the chain skips MLX and Victoria for the agent's tool-calling steps.
/// </summary>
public sealed class AgentCommandTests : IAsyncLifetime
{
    private readonly MlxEmulator _mlx = new();
    private readonly OllamaEmulator _ollama = new();
    private readonly VictoriaEmulator _victoria = new();
    private readonly string _temp = Directory.CreateTempSubdirectory("agenthost-agent-cli-").FullName;

    public async Task InitializeAsync()
    {
        await Task.WhenAll(_mlx.StartAsync(), _ollama.StartAsync(), _victoria.StartAsync());
        _ollama.ToolCallScript = AgentHarness.CallOnce("evaluate", new Dictionary<string, object?> { ["expression"] = "6 * 7" });
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_mlx.DisposeAsync().AsTask(), _ollama.DisposeAsync().AsTask(), _victoria.DisposeAsync().AsTask());
        Directory.Delete(_temp, recursive: true);
    }

    [Fact]
    public async Task The_assistant_calls_math_through_the_chain_and_json_names_the_backend_and_the_call()
    {
        var result = await HostProcess.RunAsync(["agent", "assistant", "what is 6 times 7?", "--json"], Endpoints());

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        var root = json.RootElement;
        Assert.Equal("Ollama: what is 6 times 7? (tool result: 42)", root.GetProperty("text").GetString());
        Assert.Equal("Ollama", root.GetProperty("backend").GetString());
        Assert.Equal("llama3.2", root.GetProperty("model").GetString()?.Split(':')[0]);
        var attempts = root.GetProperty("attempts").EnumerateArray().ToDictionary(a => a.GetProperty("backend").GetString()!, a => a.GetProperty("outcome").GetString());
        Assert.Equal("skipped", attempts["Mlx"]);
        Assert.Equal("succeeded", attempts["Ollama"]);
        var call = Assert.Single(root.GetProperty("functionCalls").EnumerateArray());
        Assert.Equal("math.evaluate", call.GetProperty("name").GetString());
        Assert.Equal("6 * 7", call.GetProperty("arguments").GetProperty("expression").GetString());
        Assert.Equal("42", call.GetProperty("result").GetString());
        Assert.Equal(JsonValueKind.Null, call.GetProperty("error").ValueKind);
        Assert.Equal("Ollama", call.GetProperty("backend").GetString());
        Assert.Equal(0, _mlx.GenerationRequests);
        Assert.Equal(2, _ollama.GenerationRequests);
    }

    [Fact]
    public async Task Without_json_only_the_answer_is_printed()
    {
        var result = await HostProcess.RunAsync(["agent", "assistant", "what is 6 times 7?"], Endpoints());

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Equal("Ollama: what is 6 times 7? (tool result: 42)", result.StdOut.Trim());
    }

    [Fact]
    public async Task An_unknown_agent_is_one_line_listing_the_agents()
    {
        var result = await HostProcess.RunAsync(["agent", "nope", "do something"], Endpoints());

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.StdOut);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("Unknown agent 'nope'; agents: assistant, web-fetcher, workspace-reader.", line.Trim());
        Assert.Equal(0, _ollama.GenerationRequests);
    }

    [Fact]
    public async Task With_no_name_the_agents_are_listed_with_what_they_do()
    {
        var result = await HostProcess.RunAsync(["agent"], Endpoints());

        Assert.True(result.ExitCode == 0, result.StdErr);
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("assistant ", lines[0]);
        Assert.Contains("[datetime, math]", lines[0]);
        Assert.StartsWith("web-fetcher ", lines[1]);
        Assert.StartsWith("workspace-reader ", lines[2]);
        Assert.Contains("[workspace]", lines[2]);
    }

    [Fact]
    public async Task A_broken_agent_file_is_one_line_naming_the_file_and_the_field()
    {
        File.WriteAllText(Path.Combine(_temp, "broken.yaml"), "instructions: x\nplugins: [math, shell]\n");
        var env = Endpoints();
        env["AgentHost__AgentsPath"] = _temp;

        var result = await HostProcess.RunAsync(["agent", "broken", "hi"], env);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("broken.yaml: plugins[1]: unknown plugin 'shell'", line);
        Assert.DoesNotContain("   at ", result.StdErr);
    }

    [Fact]
    public async Task When_no_backend_can_answer_the_agent_exits_1_with_the_reason()
    {
        _ollama.Faults.StatusCode = 503;
        _ollama.Faults.ErrorMessage = "all slots busy";
        var env = Endpoints();
        env["AgentHost__Fallback__Resilience__MaxRetryAttempts"] = "0";

        var result = await HostProcess.RunAsync(["agent", "assistant", "what is 6 times 7?"], env);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.StdOut);
        Assert.Contains("all slots busy", result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
    }

    private Dictionary<string, string> Endpoints() => new()
    {
        ["AgentHost__Backends__Mlx__Endpoint"] = _mlx.BaseAddress.ToString(),
        ["AgentHost__Backends__Ollama__Endpoint"] = _ollama.BaseAddress.ToString(),
        ["AgentHost__Backends__Victoria__Endpoint"] = _victoria.BaseAddress.ToString(),
    };
}
