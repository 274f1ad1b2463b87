using System.Net;
using AgentHost.Backends;
using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AgentHost.Fallback.Tests.Core;

/// <summary>The whole chain built from a list of backends and options, with no service provider anywhere.</summary>
public sealed class ChainWithoutContainerTests
{
    private static TestBackendOptions Options(string name) => new() { Endpoint = $"http://{name.ToLowerInvariant()}.test", Model = name.ToLowerInvariant() + "-model" };

    [Fact]
    public async Task Two_in_memory_backends_fail_over_plain_and_streamed_with_the_report()
    {
        var a = new FakeChatClient("A").Throws(new BackendHttpOperationException("A", HttpStatusCode.ServiceUnavailable, "model loading", null, null))
            .Throws(new BackendHttpOperationException("A", HttpStatusCode.ServiceUnavailable, "model loading", null, null));
        var b = new FakeChatClient("B").Answers("from ", "B").Answers("streamed ", "from B");
        var chain = new FallbackChainBuilder()
            .AddBackend(new ChainBackend("A", a, Options("A")))
            .AddBackend(new ChainBackend("B", b, Options("B")))
            .Configure(o =>
            {
                o.Order = ["A", "B"];
                o.Resilience.MaxRetryAttempts = 0;
            })
            .Build();

        var response = await chain.GetResponseAsync("hi");
        var updates = await chain.GetStreamingResponseAsync("hi").ToListAsync();

        Assert.Equal("from B", response.Text);
        Assert.Equal(["A: 503 model loading", "B: answered"], response.GetFallbackReport()!.Attempts.Select(x => x.ToString()));
        Assert.Equal("streamed from B", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal("B", updates.Select(u => u.GetFallbackReport()).Last(r => r is not null)!.Backend);
        Assert.Equal(2, a.Calls);
    }

    [Fact]
    public async Task An_optional_entry_whose_health_check_says_down_is_skipped_and_the_monitor_says_why()
    {
        var a = new FakeChatClient("A").Answers("from A");
        var b = new FakeChatClient("B").Answers("from B");
        var down = new FakeHealthCheck { Result = HealthCheckResult.Unhealthy("agent crashed") };
        var built = new FallbackChainBuilder()
            .AddBackend(new ChainBackend("A", a, Options("A"), health: down))
            .AddBackend(new ChainBackend("B", b, Options("B")))
            .Configure(o => o.Order = ["A?", "B"])
            .BuildChain();

        await built.Health.ProbeAllAsync();
        var response = await built.Client.GetResponseAsync("hi");

        Assert.Equal("from B", response.Text);
        Assert.Equal(0, a.Calls);
        Assert.Equal(BackendHealthState.Down, built.Health.Get("A").State);
        Assert.Contains("agent crashed", built.Health.Get("A").Reason);
    }

    [Fact]
    public void A_bad_order_fails_the_build_with_the_same_readable_line_as_at_a_hosts_start()
    {
        var builder = new FallbackChainBuilder()
            .AddBackend(new ChainBackend("Mlx", new FakeChatClient("Mlx"), Options("Mlx")))
            .Configure(o => o.Order = ["Mlx", "Olama?"]);

        var e = Assert.Throws<OptionsValidationException>(() => builder.Build());

        Assert.Equal("AgentHost:Fallback:Order names 'Olama', which is not a registered backend (registered: Mlx).", e.Message);
    }

    [Fact]
    public async Task A_disabled_backend_is_never_asked_and_a_backend_enabled_later_is_used_by_the_next_call()
    {
        var a = new FakeChatClient("A").Answers("from A");
        var b = new FakeChatClient("B").Answers("from B").Answers("from B again");
        var optionsA = Options("A");
        optionsA.Enabled = false;
        var chain = new FallbackChainBuilder()
            .AddBackend(new ChainBackend(new BackendDescriptor("A", "A Server", _ => optionsA), () => a, () => optionsA))
            .AddBackend(new ChainBackend("B", b, Options("B")))
            .Configure(o => o.Order = ["A", "B"])
            .Build();

        var first = await chain.GetResponseAsync("hi");
        optionsA.Enabled = true; // no watch: options are read on every call
        var second = await chain.GetResponseAsync("hi");

        Assert.Equal("from B", first.Text);
        Assert.Equal("from A", second.Text);
        Assert.Equal(1, a.Calls);
    }
}
