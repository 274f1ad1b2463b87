using System.Net.Http.Json;
using System.Text.Json;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Emulators.Servers;
using AgentHost.Tests.Cli;

namespace AgentHost.Tests.Hosting;

/// <summary>The issue's test: two <c>serve</c> processes on one Redis behave as one (AgentHost:State:Redis).</summary>
public sealed class SharedStateReplicaTests : IAsyncLifetime
{
    private readonly MlxEmulator _mlx = new();
    private readonly OllamaEmulator _ollama = new();
    private RedisServer? _redis;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartNewAsync();
        await Task.WhenAll(_mlx.StartAsync(), _ollama.StartAsync());
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_mlx.DisposeAsync().AsTask(), _ollama.DisposeAsync().AsTask());
        await _redis!.DisposeAsync();
    }

    [Fact]
    public async Task A_breaker_opened_by_traffic_through_replica_one_is_honoured_by_replica_two_without_a_call_to_that_backend()
    {
        var env = new Dictionary<string, string>
        {
            ["AgentHost__State__Redis"] = _redis!.ConnectionString,
            ["AgentHost__State__KeyPrefix"] = "replicas-test:",
            ["AgentHost__Backends__Mlx__Endpoint"] = _mlx.BaseAddress.ToString(),
            ["AgentHost__Backends__Ollama__Endpoint"] = _ollama.BaseAddress.ToString(),
            ["AgentHost__Backends__Victoria__Enabled"] = "false",
            ["AgentHost__Fallback__Order__0"] = "Mlx",
            ["AgentHost__Fallback__Order__1"] = "Ollama",
            ["AgentHost__Fallback__Resilience__MaxRetryAttempts"] = "0",
            ["AgentHost__Fallback__Resilience__BreakerMinimumThroughput"] = "2",
            ["AgentHost__Fallback__Resilience__BreakerBreakDuration"] = "00:02:00",
        };
        await using var one = await ServeProcess.StartAsync(env);
        await using var two = await ServeProcess.StartAsync(env);
        _mlx.Faults.StatusCode = 500;

        Assert.Equal("Ollama", await AskAsync(one));
        Assert.Equal("Ollama", await AskAsync(one));   // Mlx's second failure opens its circuit on replica one
        var circuit = await WaitForCircuitAsync(two, c => c.StartsWith("open (opened by another replica", StringComparison.Ordinal));
        var before = _mlx.GenerationRequests;
        var backend = await AskAsync(two);

        Assert.Equal("Ollama", backend);
        Assert.Equal(before, _mlx.GenerationRequests);
        Assert.Matches(@"^open \(opened by another replica, \d+ s left\)$", circuit);
    }

    private static async Task<string?> AskAsync(ServeProcess replica)
    {
        using var response = await replica.Client.PostAsJsonAsync("v1/chat/completions", new { messages = new[] { new { role = "user", content = "hi" } } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return response.Headers.TryGetValues("x-agent-backend", out var values) ? values.Single() : null;
    }

    /// <summary>Polls the replica's <c>/health</c> until Mlx's circuit matches (10 s at most); returns it.</summary>
    private static async Task<string> WaitForCircuitAsync(ServeProcess replica, Func<string, bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var last = "(none)";
        while (!deadline.IsCancellationRequested)
        {
            using var health = JsonDocument.Parse(await replica.Client.GetStringAsync("health"));
            last = health.RootElement.GetProperty("backends").EnumerateArray().Single(b => b.GetProperty("name").GetString() == "Mlx").GetProperty("circuit").GetString() ?? "(null)";
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(50, CancellationToken.None);
        }

        Assert.Fail($"Mlx's circuit on the second replica never matched; last: {last}");
        return last;
    }
}
