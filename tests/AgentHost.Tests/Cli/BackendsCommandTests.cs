using System.Text.Json;
using AgentHost.Emulators.Hosting;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;

namespace AgentHost.Tests.Cli;

/// <summary><c>backends</c>: each backend's health as the chain sees it.</summary>
public sealed class BackendsCommandTests : IAsyncLifetime
{
    private readonly MlxEmulator _mlx = new();
    private readonly OllamaEmulator _ollama = new();

    public async Task InitializeAsync()
    {
        await _mlx.StartAsync();
        await _ollama.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _mlx.DisposeAsync();
        await _ollama.DisposeAsync();
    }

    [Fact]
    public async Task Json_lists_every_backend_with_its_health_and_reason()
    {
        _mlx.Faults.HealthStatus = "critical";
        var env = new Dictionary<string, string>
        {
            ["AgentHost__Backends__Mlx__Endpoint"] = _mlx.BaseAddress.ToString(),
            ["AgentHost__Backends__Ollama__Endpoint"] = _ollama.BaseAddress.ToString(),
            ["AgentHost__Backends__Victoria__Enabled"] = "false",
        };

        var result = await HostProcess.RunAsync(["backends", "--json"], env);

        Assert.True(result.ExitCode == 0, result.StdErr);
        var rows = JsonDocument.Parse(result.StdOut).RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal("down", rows["Mlx"].GetProperty("health").GetString());
        Assert.Contains("critical", rows["Mlx"].GetProperty("reason").GetString());
        Assert.Equal("healthy", rows["Ollama"].GetProperty("health").GetString());
        Assert.Equal("disabled", rows["Victoria"].GetProperty("health").GetString());
        Assert.Equal("MLX API Server", rows["Mlx"].GetProperty("server").GetString());
    }

    [Fact]
    public async Task The_table_names_each_backend_for_a_person()
    {
        var env = new Dictionary<string, string>
        {
            ["AgentHost__Backends__Mlx__Endpoint"] = _mlx.BaseAddress.ToString(),
            ["AgentHost__Backends__Ollama__Endpoint"] = Loopback.RefusingAddress().ToString(),
            ["AgentHost__Backends__Victoria__Enabled"] = "false",
        };

        var result = await HostProcess.RunAsync(["backends"], env);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("MLX API Server", result.StdOut);
        Assert.Contains("healthy", result.StdOut);
        Assert.Contains("down", result.StdOut);
    }
}
