using System.Text.Json;
using AgentHost.Emulators.Hosting;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Emulators.Victoria;

namespace AgentHost.Tests.Cli;

/// <summary><c>ask</c> as a person runs it: the built host in its own process, against emulators on loopback.</summary>
public sealed class AskCommandTests : IAsyncLifetime
{
    private readonly MlxEmulator _mlx = new();
    private readonly OllamaEmulator _ollama = new();
    private readonly VictoriaEmulator _victoria = new();

    public async Task InitializeAsync()
    {
        await _mlx.StartAsync();
        await _ollama.StartAsync();
        await _victoria.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _mlx.DisposeAsync();
        await _ollama.DisposeAsync();
        await _victoria.DisposeAsync();
    }

    [Theory]
    [InlineData("Mlx", "MLX: hi")]
    [InlineData("Ollama", "Ollama: hi")]
    [InlineData("Victoria", "Victoria: hi")]
    public async Task With_only_one_backend_enabled_ask_json_answers_from_it(string backend, string expectedText)
    {
        var result = await HostProcess.RunAsync(["ask", "hi", "--json"], OnlyEnabled(backend));

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.Equal(expectedText, json.RootElement.GetProperty("text").GetString());
        Assert.Equal(backend, json.RootElement.GetProperty("backend").GetString());
        var last = json.RootElement.GetProperty("attempts").EnumerateArray().Last();
        Assert.Equal(backend, last.GetProperty("backend").GetString());
        Assert.Equal("succeeded", last.GetProperty("outcome").GetString());
        Assert.True(last.GetProperty("durationMs").GetDouble() > 0);
    }

    [Fact]
    public async Task Plain_ask_prints_only_the_answer_on_stdout()
    {
        var result = await HostProcess.RunAsync(["ask", "what is 2+2?"], OnlyEnabled("Ollama"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Ollama: what is 2+2?", result.StdOut.Trim());
        Assert.Contains($"[Ollama] answered via Ollama at {_ollama.BaseAddress} in ", result.StdErr);
    }

    [Fact]
    public async Task When_every_backend_fails_ask_exits_non_zero_with_one_line_naming_each_backend()
    {
        _mlx.Faults.StatusCode = 503;
        _mlx.Faults.ErrorMessage = "model loading";
        _ollama.Faults.StatusCode = 500;
        var env = Endpoints();
        env["AgentHost__Backends__Victoria__Endpoint"] = Loopback.RefusingAddress().ToString();

        var result = await HostProcess.RunAsync(["ask", "hi"], env);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.StdOut);
        var reason = Assert.Single(result.StdErr.Split('\n'), l => l.StartsWith("No backend answered:", StringComparison.Ordinal));
        Assert.Contains("Mlx", reason);
        Assert.Contains("model loading", reason);
        Assert.Contains("Ollama", reason);
        Assert.Contains("Victoria", reason);
        Assert.DoesNotContain("   at ", result.StdErr);
    }

    [Fact]
    public async Task Victoria_answers_last_with_its_health_down_when_mlx_and_ollama_fail()
    {
        // The seed calls Victoria last without asking its health: a /health that is down while /run works.
        _victoria.Faults.HealthStatusCode = 503;
        _mlx.Faults.StatusCode = 500;
        _mlx.Faults.ErrorMessage = "Generation failed";
        _ollama.Faults.StatusCode = 500;

        var result = await HostProcess.RunAsync(["ask", "hi", "--json"], Endpoints());

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.Equal("Victoria", json.RootElement.GetProperty("backend").GetString());
        Assert.Equal("Victoria: hi", json.RootElement.GetProperty("text").GetString());
        var attempts = json.RootElement.GetProperty("attempts").EnumerateArray()
            .Select(a => $"{a.GetProperty("backend").GetString()} {a.GetProperty("outcome").GetString()}").ToList();
        Assert.Equal(["Victoria skipped", "Mlx failed", "Ollama failed", "Victoria deferred", "Victoria succeeded"], attempts);
        Assert.Contains("[Victoria] deferred: down", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_uses_the_model_ollama_has_when_the_configured_one_is_missing_and_says_so()
    {
        // Ollama holds only qwen2.5:7b and an embedding model; the configuration asks for llama3.2.
        _ollama.Models = [new OllamaEmulatorModel("nomic-embed-text:latest", 274_302_450), new OllamaEmulatorModel("qwen2.5:7b", 4_683_087_332)];

        var result = await HostProcess.RunAsync(["ask", "hi", "--json"], OnlyEnabled("Ollama"));

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.Equal(("Ollama", "qwen2.5:7b"), (json.RootElement.GetProperty("backend").GetString(), json.RootElement.GetProperty("model").GetString()));
        var last = json.RootElement.GetProperty("attempts").EnumerateArray().Last();
        Assert.Equal(("qwen2.5:7b", "llama3.2"), (last.GetProperty("model").GetString(), last.GetProperty("substitutedFor").GetString()));
        Assert.Single(result.StdErr.Split('\n'), l => l.Contains("[Ollama] has no llama3.2: asking for qwen2.5:7b (the first chat model it has)", StringComparison.Ordinal));
        Assert.DoesNotContain(_ollama.Requests, r => r.PathAndQuery == "/api/chat" && r.Body.Contains("nomic-embed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bad_endpoint_is_one_readable_line_not_a_stack_trace()
    {
        var env = Endpoints();
        env["AgentHost__Backends__Mlx__Endpoint"] = "not a url";

        var result = await HostProcess.RunAsync(["ask", "hi"], env);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("AgentHost:Backends:Mlx", line);
        Assert.Contains("'not a url' is not an absolute http:// or https:// URL", line);
    }

    [Fact]
    public async Task A_bad_fallback_order_names_its_configuration_section_in_one_line()
    {
        var result = await HostProcess.RunAsync(["ask", "hi", "--AgentHost:Fallback:Order:1=Olama"], Endpoints());

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Configuration error in AgentHost:Fallback:", line);
        Assert.Contains("'Olama'", line);
    }

    [Fact]
    public async Task A_configuration_value_of_the_wrong_type_is_one_line_not_a_stack_trace()
    {
        var result = await HostProcess.RunAsync(["ask", "hi", "--AgentHost:Fallback:Resilience:AttemptTimeout=soon"], Endpoints());

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("'soon'", line);
        Assert.Contains("AgentHost:Fallback:Resilience:AttemptTimeout", line);
    }

    [Fact]
    public async Task An_unknown_argument_is_named_with_the_override_syntax()
    {
        var result = await HostProcess.RunAsync(["ask", "hi", "--bogus"], Endpoints());

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'--bogus'", result.StdErr);
    }

    [Fact]
    public async Task Configuration_overrides_on_the_command_line_beat_the_environment()
    {
        var env = Endpoints();
        var result = await HostProcess.RunAsync(
            ["ask", "hi", "--json", "--AgentHost:Backends:Victoria:Enabled=false", "--AgentHost:Backends:Mlx:Enabled", "false"], env);

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.Equal("Ollama", json.RootElement.GetProperty("backend").GetString());
    }

    private Dictionary<string, string> Endpoints() => new()
    {
        ["AgentHost__Backends__Mlx__Endpoint"] = _mlx.BaseAddress.ToString(),
        ["AgentHost__Backends__Ollama__Endpoint"] = _ollama.BaseAddress.ToString(),
        ["AgentHost__Backends__Victoria__Endpoint"] = _victoria.BaseAddress.ToString(),
    };

    private Dictionary<string, string> OnlyEnabled(string backend)
    {
        var env = Endpoints();
        foreach (var other in new[] { "Mlx", "Ollama", "Victoria" }.Where(b => b != backend))
        {
            env[$"AgentHost__Backends__{other}__Enabled"] = "false";
        }

        return env;
    }
}
