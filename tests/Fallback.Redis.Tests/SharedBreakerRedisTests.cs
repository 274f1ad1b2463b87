using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Redis.Tests;

/// <summary>Two chains, each with its own breakers, on one real redis-server: they behave as one.</summary>
public sealed class SharedBreakerRedisTests
{
    private static async Task<ChatResponse> AskAsync(FallbackChatClient chain) => await chain.GetResponseAsync("hi");

    private static string BackendOf(ChatResponse response) => response.GetFallbackReport()!.Backend!;

    [Fact]
    public async Task A_circuit_opened_through_one_chain_is_honoured_by_the_other_without_a_request_and_stored_readably()
    {
        await using var fleet = await Fleet.StartAsync();
        var one = await fleet.ReplicaAsync();
        var two = await fleet.ReplicaAsync();
        fleet.Mlx.Faults.StatusCode = 500;

        await AskAsync(one);
        await AskAsync(one);   // the second failure opens Mlx's circuit on one
        await Fleet.WaitUntilAsync(() => two.DescribeCircuit("Mlx")!.StartsWith("open (opened by another replica", StringComparison.Ordinal), "two sees the circuit open");
        var before = fleet.Mlx.GenerationRequests;
        var response = await AskAsync(two);

        Assert.Equal("Ollama", BackendOf(response));
        Assert.StartsWith("Mlx: deferred (circuit open (opened by another replica, ", response.GetFallbackReport()!.Summary, StringComparison.Ordinal);
        Assert.Equal(before, fleet.Mlx.GenerationRequests);
        var stored = await fleet.Redis.CommandAsync($"GET {fleet.Prefix}breaker:mlx");
        Assert.Contains("\"state\":\"opened\"", stored, StringComparison.Ordinal);
        Assert.Contains("\"openUntilUtc\":", stored, StringComparison.Ordinal);
        Assert.Contains("\"onTimeout\":false", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_the_break_only_one_chain_sends_the_trial_and_its_success_closes_the_circuit_on_both()
    {
        await using var fleet = await Fleet.StartAsync();
        var one = await fleet.ReplicaAsync();
        var two = await fleet.ReplicaAsync();
        fleet.Mlx.Faults.StatusCode = 500;
        await AskAsync(one);
        await AskAsync(one);
        await Fleet.WaitUntilAsync(() => two.DescribeCircuit("Mlx")!.StartsWith("open (opened by another replica", StringComparison.Ordinal), "two sees the circuit open");
        fleet.Mlx.Faults.Reset();
        fleet.Mlx.Faults.FirstByteDelay = TimeSpan.FromMilliseconds(500);   // the trial stays in flight while the other chain asks
        await Fleet.WaitUntilAsync(() => !two.DescribeCircuit("Mlx")!.StartsWith("open (opened", StringComparison.Ordinal), "the break is over", Fleet.Break * 3);
        var before = fleet.Mlx.GenerationRequests;

        var answers = await Task.WhenAll(AskAsync(one), AskAsync(two));

        Assert.Equal(before + 1, fleet.Mlx.GenerationRequests);
        Assert.Equal(["Mlx", "Ollama"], answers.Select(BackendOf).Order());
        await Fleet.WaitUntilAsync(() => one.DescribeCircuit("Mlx") == "closed" && two.DescribeCircuit("Mlx") == "closed", "both circuits are closed");
        Assert.Equal("(nil)", (await fleet.Redis.CommandAsync($"GET {fleet.Prefix}breaker:mlx")).Replace("$-1", "(nil)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_Redis_lost_both_chains_answer_with_their_own_breakers_and_share_again_once_it_is_back()
    {
        await using var fleet = await Fleet.StartAsync();
        var one = await fleet.ReplicaAsync();
        var two = await fleet.ReplicaAsync();
        await fleet.Redis.StopAsync();
        await Fleet.WaitUntilAsync(() => !fleet.AllConnected, "the connections see Redis gone");
        fleet.Mlx.Faults.StatusCode = 500;

        await AskAsync(one);
        await AskAsync(one);   // opens on one only
        var before = fleet.Mlx.GenerationRequests;
        var onTwo = await AskAsync(two);
        var onOne = await AskAsync(one);

        Assert.Equal("Ollama", BackendOf(onTwo));
        Assert.Equal(before + 1, fleet.Mlx.GenerationRequests);   // two was not told: it asked Mlx itself
        Assert.Equal("Mlx: deferred (circuit open); Ollama: answered", onOne.GetFallbackReport()!.Summary);

        await fleet.Redis.StartAsync();
        await Fleet.WaitUntilAsync(() => fleet.AllConnected, "the connections are back", TimeSpan.FromSeconds(20));
        await Fleet.WaitUntilAsync(() => one.DescribeCircuit("Mlx")!.StartsWith("open (break over", StringComparison.Ordinal), "one's own break is over", Fleet.Break * 3);
        await AskAsync(two);   // two's second failure opens its circuit: published now, no restart
        await Fleet.WaitUntilAsync(() => one.DescribeCircuit("Mlx")!.StartsWith("open (opened by another replica", StringComparison.Ordinal), "one sees two's circuit");
        var beforeShared = fleet.Mlx.GenerationRequests;
        var shared = await AskAsync(one);

        Assert.Equal("Ollama", BackendOf(shared));
        Assert.Equal(beforeShared, fleet.Mlx.GenerationRequests);
        Assert.Contains("\"state\":\"opened\"", await fleet.Redis.CommandAsync($"GET {fleet.Prefix}breaker:mlx"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_changed_health_result_on_one_chain_reaches_the_other_and_is_stored_readably()
    {
        await using var fleet = await Fleet.StartAsync();
        var one = await fleet.ReplicaAsync();
        var two = await fleet.ReplicaAsync();
        var healthOne = (BackendHealthMonitor)one.GetService(typeof(BackendHealthMonitor))!;
        var healthTwo = (BackendHealthMonitor)two.GetService(typeof(BackendHealthMonitor))!;
        fleet.Mlx.Faults.HealthStatus = "critical";

        var found = await healthOne.ProbeAsync("Mlx");
        await Fleet.WaitUntilAsync(() => healthTwo.Get("Mlx").State == BackendHealthState.Down, "two sees Mlx down");

        Assert.Equal(BackendHealthState.Down, found.State);
        Assert.Equal(found.Reason, healthTwo.Get("Mlx").Reason);
        var stored = await fleet.Redis.CommandAsync($"GET {fleet.Prefix}health:mlx");
        Assert.Contains("\"state\":\"down\"", stored, StringComparison.Ordinal);
        Assert.Contains("\"atUtc\":", stored, StringComparison.Ordinal);
    }
}
