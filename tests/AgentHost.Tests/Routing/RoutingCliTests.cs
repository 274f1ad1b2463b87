using System.Text.Json;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Emulators.Victoria;
using AgentHost.Tests.Cli;

namespace AgentHost.Tests.Routing;

/// <summary><c>ask --route/--model</c> and <c>chat --route</c> as a person runs them, against the emulators.</summary>
public sealed class RoutingCliTests : IAsyncLifetime
{
    private readonly MlxEmulator _mlx = new();
    private readonly OllamaEmulator _ollama = new();
    private readonly VictoriaEmulator _victoria = new();

    public async Task InitializeAsync() => await Task.WhenAll(_mlx.StartAsync(), _ollama.StartAsync(), _victoria.StartAsync());

    public async Task DisposeAsync()
    {
        await _mlx.DisposeAsync();
        await _ollama.DisposeAsync();
        await _victoria.DisposeAsync();
    }

    [Fact]
    public async Task Ask_json_names_the_route_and_what_chose_it_and_the_rule_model_goes_on_the_wire()
    {
        var result = await HostProcess.RunAsync(["ask", "write a python function", "--json", "--AgentHost:Backends:Victoria:Enabled=false"], Endpoints());

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.Equal("Mlx", json.RootElement.GetProperty("backend").GetString());
        Assert.Equal("default", json.RootElement.GetProperty("route").GetString());
        Assert.Equal("rule:code-model", json.RootElement.GetProperty("chosenBy").GetString());
        Assert.Contains("[route] default chosen by rule:code-model: Victoria?, Mlx, Ollama, Victoria (Mlx: qwen2.5-coder:32b)", result.StdErr);
        // The MLX server has no qwen2.5-coder:32b (its /api/tags): the next model of that model's fallback list goes on the wire, and the answer says so.
        Assert.Contains(_mlx.Requests, r => r.Body.Contains("\"model\":\"phi3.5:3.8b\"", StringComparison.Ordinal));
        Assert.DoesNotContain(_mlx.Requests, r => r.Body.Contains("qwen2.5-coder:32b", StringComparison.Ordinal));
        Assert.Contains("[Mlx] has no qwen2.5-coder:32b: asking for phi3.5:3.8b (next in qwen2.5-coder:32b's fallback list)", result.StdErr);
        var last = json.RootElement.GetProperty("attempts").EnumerateArray().Last();
        Assert.Equal(("phi3.5:3.8b", "qwen2.5-coder:32b"), (last.GetProperty("model").GetString(), last.GetProperty("substitutedFor").GetString()));
    }

    [Fact]
    public async Task With_route_local_a_code_question_and_a_greeting_reach_mlx_with_different_models()
    {
        var code = await HostProcess.RunAsync(["ask", "refactor this python function", "--json", "--route", "local"], Endpoints());
        var greeting = await HostProcess.RunAsync(["ask", "hello there", "--json", "--route", "local"], Endpoints());

        Assert.True(code.ExitCode == 0, code.StdErr);
        Assert.True(greeting.ExitCode == 0, greeting.StdErr);
        var models = _mlx.Requests.Where(r => r.Method == "POST").Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("model").GetString()).ToList();
        // code-model asks for qwen2.5-coder:32b, which this MLX server lacks: its fallback phi3.5:3.8b goes instead.
        Assert.Equal(["phi3.5:3.8b", "phi3:mini-4k"], models);
        using var codeJson = JsonDocument.Parse(code.StdOut);
        using var greetingJson = JsonDocument.Parse(greeting.StdOut);
        Assert.Equal(("local", "caller+rule:code-model"), (codeJson.RootElement.GetProperty("route").GetString(), codeJson.RootElement.GetProperty("chosenBy").GetString()));
        Assert.Equal(("local", "caller+rule:short-model"), (greetingJson.RootElement.GetProperty("route").GetString(), greetingJson.RootElement.GetProperty("chosenBy").GetString()));
        Assert.Equal(0, _victoria.GenerationRequests);
    }

    [Fact]
    public async Task Ask_with_a_route_takes_it()
    {
        var result = await HostProcess.RunAsync(["ask", "hi", "--json", "--route", "local", "--AgentHost:Backends:Mlx:Enabled=false"], Endpoints());

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.Equal("Ollama: hi", json.RootElement.GetProperty("text").GetString());
        Assert.Equal(("local", "caller+rule:short-model"), (json.RootElement.GetProperty("route").GetString(), json.RootElement.GetProperty("chosenBy").GetString()));
        Assert.Equal(0, _victoria.GenerationRequests);
    }

    [Fact]
    public async Task Ask_with_a_model_tries_only_the_backends_that_serve_it()
    {
        var result = await HostProcess.RunAsync(["ask", "hi", "--json", "--model", "qwen2.5:7b"], Endpoints());

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.Equal(("Ollama", "qwen2.5:7b"), (json.RootElement.GetProperty("backend").GetString(), json.RootElement.GetProperty("route").GetString()));
        Assert.Contains(_ollama.Requests, r => r.PathAndQuery == "/api/chat" && r.Body.Contains("\"model\":\"qwen2.5:7b\"", StringComparison.Ordinal));
        Assert.Equal(0, _mlx.GenerationRequests);
    }

    [Theory]
    [InlineData("--route", "gpu", "'gpu' is not a route. Routes: default, agent, ask, local, plan.")]
    [InlineData("--model", "gpt-5", "'gpt-5' is neither a route nor a model any backend serves. Routes: default, agent, ask, local, plan. Models: ")]
    public async Task An_unknown_route_or_model_is_one_line_listing_what_exists(string option, string name, string expected)
    {
        var result = await HostProcess.RunAsync(["ask", "hi", option, name], Endpoints());

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => !l.StartsWith('['));
        Assert.StartsWith(expected, line);
        Assert.Empty(result.StdOut);
    }

    [Fact]
    public async Task A_bad_rule_stops_the_host_at_start_with_a_readable_line()
    {
        var result = await HostProcess.RunAsync(["ask", "hi", "--AgentHost:Routing:Rules:1:Pattern=(unclosed"], Endpoints());

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("AgentHost:Routing:Rules:1 (code-model): Pattern '(unclosed' is not a valid regular expression", result.StdErr);
    }

    [Fact]
    public async Task Chat_with_a_route_keeps_it_for_every_turn()
    {
        var result = await HostProcess.RunAsync(["chat", "--route", "local"], Endpoints(), standardInput: "hi\nagain\n/exit\n");

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("MLX: hi", result.StdOut);
        Assert.Contains("MLX: again", result.StdOut);
        Assert.Equal(0, _victoria.GenerationRequests);
    }

    private Dictionary<string, string> Endpoints() => new()
    {
        ["AgentHost__Backends__Mlx__Endpoint"] = _mlx.BaseAddress.ToString(),
        ["AgentHost__Backends__Ollama__Endpoint"] = _ollama.BaseAddress.ToString(),
        ["AgentHost__Backends__Victoria__Endpoint"] = _victoria.BaseAddress.ToString(),
    };
}
