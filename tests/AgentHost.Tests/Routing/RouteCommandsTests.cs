using System.Text.Json;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Emulators.Victoria;
using AgentHost.Tests.Agents;
using AgentHost.Tests.Cli;

namespace AgentHost.Tests.Routing;

/// <summary>
/// <c>run</c> and <c>agent</c> with <c>--route</c>/<c>--model</c>, as a person runs them: the built host against the three
/// emulators in the shipped default order (Victoria?, Mlx, Ollama, Victoria: a healthy Victoria answers first).
/// </summary>
public sealed class RouteCommandsTests : IAsyncLifetime
{
    private readonly MlxEmulator _mlx = new();
    private readonly OllamaEmulator _ollama = new();
    private readonly VictoriaEmulator _victoria = new();
    private readonly string _agents = Directory.CreateTempSubdirectory("agenthost-route-agents-").FullName;

    public async Task InitializeAsync()
    {
        await Task.WhenAll(_mlx.StartAsync(), _ollama.StartAsync(), _victoria.StartAsync());
        File.Copy(Path.Combine(AgentHost.Hosting.ContentRoot.Locate(), "..", "..", "agents", "assistant.yaml"), Path.Combine(_agents, "assistant.yaml"));
        File.WriteAllText(Path.Combine(_agents, "plain.yaml"), "name: plain\ndescription: no plugins\ninstructions: Answer briefly.\nexecution_settings:\n  temperature: 0.3\n");
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_mlx.DisposeAsync().AsTask(), _ollama.DisposeAsync().AsTask(), _victoria.DisposeAsync().AsTask());
        Directory.Delete(_agents, recursive: true);
    }

    [Fact]
    public async Task Run_with_route_local_takes_it_keeping_the_prompt_s_own_settings()
    {
        var result = await HostProcess.RunAsync(["run", "summarize", "--arg", "input=The release slipped to May.", "--route", "local", "--json"], Endpoints());

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.StartsWith("MLX: ", json.RootElement.GetProperty("text").GetString());
        Assert.Equal(("Mlx", "local", "caller+rule:short-model"), Answer(json));
        var sent = JsonDocument.Parse(_mlx.Requests.Last(r => r.Method == "POST").Body).RootElement;
        Assert.Equal(0.2, sent.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(400, sent.GetProperty("max_tokens").GetInt32());
        Assert.Equal(0, _victoria.GenerationRequests);
    }

    [Fact]
    public async Task Run_without_a_route_takes_the_default_order_where_victoria_answers_first()
    {
        var result = await HostProcess.RunAsync(["run", "summarize", "--arg", "input=The release slipped to May.", "--json"], Endpoints());

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.Equal("Victoria", json.RootElement.GetProperty("backend").GetString());
        Assert.Equal("default", json.RootElement.GetProperty("route").GetString());
    }

    [Fact]
    public async Task Run_streaming_on_route_local_never_touches_victoria_when_mlx_and_ollama_fail()
    {
        _mlx.Faults.StatusCode = 503;
        _ollama.Faults.StatusCode = 503;

        var result = await HostProcess.RunAsync(["run", "summarize", "--arg", "input=x", "--route", "local", "--AgentHost:Fallback:Resilience:MaxRetryAttempts=0"], Endpoints());

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("No backend answered", StringComparison.Ordinal));
        Assert.Contains("Mlx", line);
        Assert.Contains("Ollama", line);
        Assert.DoesNotContain("Victoria", line);
        Assert.Equal(0, _victoria.GenerationRequests);
    }

    [Fact]
    public async Task Run_with_a_model_goes_only_to_the_backend_serving_it_with_that_model()
    {
        var result = await HostProcess.RunAsync(["run", "summarize", "--arg", "input=x", "--model", "qwen2.5:7b", "--json"], Endpoints());

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.Equal(("Ollama", "qwen2.5:7b", "caller"), Answer(json));
        Assert.Contains(_ollama.Requests, r => r.PathAndQuery == "/api/chat" && r.Body.Contains("\"model\":\"qwen2.5:7b\"", StringComparison.Ordinal));
        Assert.Equal(0, _mlx.GenerationRequests + _victoria.GenerationRequests);
    }

    [Theory]
    [InlineData("run", "--route", "'gpu' is not a route. Routes: default, agent, ask, local, plan.")]
    [InlineData("run", "--model", "'gpu' is neither a route nor a model any backend serves. Routes: default, agent, ask, local, plan. Models: ")]
    [InlineData("agent", "--route", "'gpu' is not a route. Routes: default, agent, ask, local, plan.")]
    [InlineData("agent", "--model", "'gpu' is neither a route nor a model any backend serves. Routes: default, agent, ask, local, plan. Models: ")]
    public async Task An_unknown_route_or_model_is_one_line_listing_what_exists_exit_2(string command, string option, string expected)
    {
        string[] args = command == "run" ? ["run", "summarize", "--arg", "input=x", option, "gpu"] : ["agent", "plain", "hi", option, "gpu"];

        var result = await HostProcess.RunAsync(args, Endpoints());

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => !l.StartsWith('['));
        Assert.StartsWith(expected, line);
        Assert.Empty(result.StdOut);
        Assert.Equal(0, _mlx.GenerationRequests + _ollama.GenerationRequests + _victoria.GenerationRequests);
    }

    [Fact]
    public async Task Agent_with_route_local_takes_it_where_the_default_order_would_ask_victoria()
    {
        var byDefault = await HostProcess.RunAsync(["agent", "plain", "hi", "--json"], Endpoints());
        var local = await HostProcess.RunAsync(["agent", "plain", "hi", "--json", "--route", "local"], Endpoints());

        Assert.True(byDefault.ExitCode == 0, byDefault.StdErr);
        Assert.True(local.ExitCode == 0, local.StdErr);
        using var defaultJson = JsonDocument.Parse(byDefault.StdOut);
        using var localJson = JsonDocument.Parse(local.StdOut);
        Assert.Equal("Victoria", defaultJson.RootElement.GetProperty("backend").GetString());
        Assert.Equal(("Mlx", "local", "caller+rule:short-model"), Answer(localJson));
        Assert.Equal("MLX: hi", localJson.RootElement.GetProperty("text").GetString());
        Assert.Equal(0.3, JsonDocument.Parse(_mlx.Requests.Last(r => r.Method == "POST").Body).RootElement.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(1, _victoria.GenerationRequests);
    }

    [Fact]
    public async Task Agent_with_route_local_never_touches_victoria_when_mlx_and_ollama_fail()
    {
        _mlx.Faults.StatusCode = 503;
        _ollama.Faults.StatusCode = 503;

        var result = await HostProcess.RunAsync(["agent", "plain", "hi", "--json", "--route", "local", "--AgentHost:Fallback:Resilience:MaxRetryAttempts=0"], Endpoints());

        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.Equal(("local", "caller+rule:short-model"), (json.RootElement.GetProperty("route").GetString(), json.RootElement.GetProperty("chosenBy").GetString()));
        Assert.Equal(["Mlx", "Ollama"], json.RootElement.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("backend").GetString()));
        var line = result.StdErr.Split('\n').Single(l => l.StartsWith("No backend answered: Mlx: ", StringComparison.Ordinal));
        Assert.Contains("; Ollama: ", line);
        Assert.DoesNotContain("Victoria", line);
        Assert.Equal(0, _victoria.GenerationRequests);
    }

    [Fact]
    public async Task Agent_with_a_model_calls_its_functions_on_the_backend_serving_it_with_that_model()
    {
        _ollama.ToolCallScript = AgentHarness.CallOnce("evaluate", new Dictionary<string, object?> { ["expression"] = "6 * 7" });

        var result = await HostProcess.RunAsync(["agent", "assistant", "what is 6 times 7?", "--json", "--model", "qwen2.5:7b"], Endpoints());

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.Equal("Ollama: what is 6 times 7? (tool result: 42)", json.RootElement.GetProperty("text").GetString());
        Assert.Equal(("Ollama", "qwen2.5:7b", "caller"), Answer(json));
        Assert.Equal("42", json.RootElement.GetProperty("functionCalls")[0].GetProperty("result").GetString());
        var chats = _ollama.Requests.Where(r => r.PathAndQuery == "/api/chat").Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal(2, chats.Count);
        Assert.All(chats, c => Assert.Equal("qwen2.5:7b", c.GetProperty("model").GetString()));
        Assert.True(chats[0].TryGetProperty("tools", out _), "the function choice survives the route choice on the settings");
    }

    private static (string?, string?, string?) Answer(JsonDocument json) => (
        json.RootElement.GetProperty("backend").GetString(),
        json.RootElement.GetProperty("route").GetString(),
        json.RootElement.GetProperty("chosenBy").GetString());

    private Dictionary<string, string> Endpoints() => new()
    {
        ["AgentHost__Backends__Mlx__Endpoint"] = _mlx.BaseAddress.ToString(),
        ["AgentHost__Backends__Ollama__Endpoint"] = _ollama.BaseAddress.ToString(),
        ["AgentHost__Backends__Victoria__Endpoint"] = _victoria.BaseAddress.ToString(),
        ["AgentHost__AgentsPath"] = _agents + Path.DirectorySeparatorChar,
    };
}
