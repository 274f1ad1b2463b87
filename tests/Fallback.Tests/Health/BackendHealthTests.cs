using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace AgentHost.Fallback.Tests.Health;

public sealed class BackendHealthTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    [Fact]
    public async Task ProbeAllAsync_maps_each_health_check_to_a_state_with_its_reason()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        await using var h = new ChainHarness(time)
            .Backend("A", new FakeChatClient("A")).Backend("B", new FakeChatClient("B")).Backend("C", new FakeChatClient("C")).Backend("D", new FakeChatClient("D"))
            .Chain(o => o.Order = ["A", "B", "C", "D"]);
        h.Health["B"].Result = HealthCheckResult.Degraded("all 5 slots busy");
        h.Health["C"].Result = HealthCheckResult.Unhealthy("memory critical");
        h.Health["D"].Handler = _ => throw new HttpRequestException("Connection refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused));

        var states = await h.Monitor.ProbeAllAsync();

        Assert.Equal(["healthy", "degraded: all 5 slots busy", "down: memory critical", "down: connection refused"], states.Select(s => s.Describe()));
        Assert.All(states, s => Assert.Equal(time.GetUtcNow(), s.CheckedAt));
    }

    [Fact]
    public async Task A_health_check_that_does_not_answer_in_time_marks_the_backend_down()
    {
        var time = new FakeTimeProvider();
        var started = new TaskCompletionSource();
        await using var h = new ChainHarness(time).Backend("A", new FakeChatClient("A")).Chain(o =>
        {
            o.Order = ["A"];
            o.Health.ProbeTimeout = TimeSpan.FromSeconds(5);
        });
        h.Health["A"].Handler = async token =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, token);
            return HealthCheckResult.Healthy();
        };

        var probe = h.Monitor.ProbeAsync("A");
        await started.Task;
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("down: no answer within 5 s", (await probe).Describe());
    }

    [Fact]
    public async Task The_background_prober_probes_at_start_and_then_every_interval()
    {
        var time = new ObservedTimeProvider();
        var probes = new List<DateTimeOffset>();
        var probed = new SemaphoreSlim(0);
        await using var h = new ChainHarness(time).Backend("A", new FakeChatClient("A")).Chain(o => o.Order = ["A"]);
        h.Services.Configure<FallbackOptions>(o => o.Health.ProbeInterval = TimeSpan.FromSeconds(15));
        var stopped = false;
        h.Health["A"].Handler = _ =>
        {
            lock (probes)
            {
                probes.Add(time.GetUtcNow());
            }

            probed.Release();
            return Task.FromResult(stopped ? HealthCheckResult.Unhealthy("stopped") : HealthCheckResult.Healthy());
        };
        var prober = h.Provider.GetServices<IHostedService>().OfType<BackendHealthProber>().Single();
        var start = time.GetUtcNow();
        async Task NextProbeAsync() => Assert.True(await probed.WaitAsync(TimeSpan.FromSeconds(10)), "no probe came");

        await prober.StartAsync(CancellationToken.None);
        await NextProbeAsync(); // at start
        await time.WhenArmedAsync(TimeSpan.FromSeconds(15)); // the interval's timer
        time.Advance(TimeSpan.FromSeconds(15) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, h.Health["A"].Calls); // not before the interval
        time.Advance(TimeSpan.FromMilliseconds(1));
        await NextProbeAsync();
        stopped = true;
        time.Advance(TimeSpan.FromSeconds(15));
        await NextProbeAsync();
        await time.AdvanceUntilAsync(() => h.Monitor.Get("A").State == BackendHealthState.Down, TimeSpan.Zero);
        await prober.StopAsync(CancellationToken.None);

        Assert.Equal([start, start.AddSeconds(15), start.AddSeconds(30)], probes);
        Assert.Equal(3, h.Health["A"].Calls);
        Assert.Equal("down: stopped", h.Monitor.Get("A").Describe());
    }

    [Fact]
    public async Task A_down_backend_is_deferred_and_gets_no_request_while_another_answers()
    {
        var a = new FakeChatClient("A").Answers("from A");
        var b = new FakeChatClient("B").Answers("from B");
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A", "B"]);
        h.Monitor.Report("A", BackendHealthState.Down, "connection refused");

        var response = await h.Client.GetResponseAsync(Hello);

        Assert.Equal("from B", response.Text);
        Assert.Equal(0, a.Calls);
        Assert.Equal("A: deferred (down: connection refused)", response.GetFallbackReport()!.Attempts[0].ToString());
    }

    [Fact]
    public async Task A_degraded_backend_still_gets_work_even_as_an_optional_entry()
    {
        var a = new FakeChatClient("A").Answers("from A");
        await using var h = new ChainHarness().Backend("A", a).Backend("B", new FakeChatClient("B").Answers("from B")).Chain(o => o.Order = ["A?", "B"]);
        h.Monitor.Report("A", BackendHealthState.Degraded, "all slots busy");

        Assert.Equal("from A", (await h.Client.GetResponseAsync(Hello)).Text);
    }

    [Fact]
    public async Task When_every_backend_is_down_the_required_entries_are_still_tried_in_order()
    {
        var a = new FakeChatClient("A").Answers("from A");
        var b = new FakeChatClient("B").Answers("from B");
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A?", "B", "A"]);
        h.Monitor.Report("A", BackendHealthState.Down, "refused");
        h.Monitor.Report("B", BackendHealthState.Down, "refused");

        var response = await h.Client.GetResponseAsync(Hello);

        Assert.Equal("from B", response.Text);
        Assert.Equal("A: skipped (used only when healthy; down: refused)", response.GetFallbackReport()!.Attempts[0].ToString());
    }

    [Fact]
    public async Task A_request_failure_does_not_change_the_health_state()
    {
        var a = new FakeChatClient("A").Throws(new IOException("reset"));
        await using var h = new ChainHarness().Backend("A", a).Backend("B", new FakeChatClient("B").Answers("ok")).Chain(o => o.Order = ["A", "B"]);
        h.Monitor.Report("A", BackendHealthState.Healthy);

        await h.Client.GetResponseAsync(Hello);

        Assert.Equal(BackendHealthState.Healthy, h.Monitor.Get("A").State);
    }
}
