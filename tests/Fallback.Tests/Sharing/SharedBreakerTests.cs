using System.Net;
using System.Runtime.CompilerServices;
using AgentHost.Backends;
using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace AgentHost.Fallback.Tests.Sharing;

/// <summary>Replicas as one fleet (IBackendStateSharing): breakers opened anywhere are open everywhere; one replica sends the trial.</summary>
public sealed class SharedBreakerTests
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 2, 0, 0, TimeSpan.Zero));

    private static BackendHttpOperationException Status500(string backend) => new(backend, HttpStatusCode.InternalServerError, "generation failed", null, null);

    private static TestBackendOptions Options(string name) => new() { Endpoint = $"http://{name.ToLowerInvariant()}.test", Model = name.ToLowerInvariant() + "-model" };

    private FallbackChain Replica(IBackendStateSharing? sharing, FakeChatClient a, FakeChatClient b)
    {
        var builder = new FallbackChainBuilder()
            .AddBackend(new ChainBackend("A", a, Options("A")))
            .AddBackend(new ChainBackend("B", b, Options("B")))
            .UseTimeProvider(_time)
            .Configure(o =>
            {
                o.Order = ["A", "B"];
                o.Resilience.MaxRetryAttempts = 0;
                o.Resilience.BreakerMinimumThroughput = 2;
                o.Resilience.BreakerBreakDuration = Break;
                o.Resilience.AttemptTimeout = TimeSpan.FromSeconds(10);
            });
        return (sharing is null ? builder : builder.UseSharedState(sharing)).BuildChain();
    }

    /// <summary>Two failures through <paramref name="chain"/> open A's circuit there.</summary>
    private static async Task OpenAsync(FallbackChain chain)
    {
        await chain.Client.GetResponseAsync("hi");
        await chain.Client.GetResponseAsync("hi");
    }

    [Fact]
    public async Task A_circuit_opened_on_one_replica_is_open_on_the_other_which_sends_it_nothing()
    {
        var fleet = new FakeFleet(_time);
        var a1 = new FakeChatClient("A").Throws(Status500("A"));
        var a2 = new FakeChatClient("A").Answers("from A on 2");
        var one = Replica(fleet.Join("one"), a1, new FakeChatClient("B").Answers("from B"));
        var two = Replica(fleet.Join("two"), a2, new FakeChatClient("B").Answers("from B on 2"));
        await OpenAsync(one);
        _time.Advance(TimeSpan.FromSeconds(18));

        var response = await two.Client.GetResponseAsync("hi");

        Assert.Equal("from B on 2", response.Text);
        Assert.Equal("A: deferred (circuit open (opened by another replica, 12 s left)); B: answered", response.GetFallbackReport()!.Summary);
        Assert.Equal(0, a2.Calls);
        Assert.Equal("open (opened by another replica, 12 s left)", two.Client.DescribeCircuit("A"));
        Assert.Equal("open (12 s left)", one.Client.DescribeCircuit("A"));
    }

    [Fact]
    public async Task After_the_break_one_replica_claims_the_trial_the_other_keeps_the_circuit_open_and_the_success_closes_it_everywhere()
    {
        var fleet = new FakeFleet(_time);
        var release = new TaskCompletionSource();
        var a1 = new FakeChatClient("A").Throws(Status500("A")).Throws(Status500("A")).Answers("A is back on 1");
        var a2 = new FakeChatClient("A").Then(_ => AfterAsync(release.Task, "A is back"));
        var b1 = new FakeChatClient("B").Answers("from B");
        var one = Replica(fleet.Join("one"), a1, b1);
        var two = Replica(fleet.Join("two"), a2, new FakeChatClient("B").Answers("from B on 2"));
        await OpenAsync(one);
        _time.Advance(Break + TimeSpan.FromSeconds(1));

        var trial = two.Client.GetResponseAsync("hi");   // two claims the trial: A answers once released
        while (a2.Calls == 0)
        {
            await Task.Yield();
        }

        var meanwhile = await one.Client.GetResponseAsync("hi");
        release.SetResult();
        var trialResponse = await trial;
        var after = await one.Client.GetResponseAsync("hi");

        Assert.Equal("A: deferred (circuit open (its trial is in flight)); B: answered", meanwhile.GetFallbackReport()!.Summary);
        Assert.Equal("A is back", trialResponse.Text);
        Assert.Equal("A: answered", trialResponse.GetFallbackReport()!.Summary);
        Assert.Equal("A is back on 1", after.Text);
        Assert.Equal(3, a1.Calls);   // two failures, then the call after the close: none during the other replica's trial
        Assert.Equal(1, a2.Calls);
        Assert.Equal("closed", one.Client.DescribeCircuit("A"));
        Assert.Equal("closed", two.Client.DescribeCircuit("A"));
    }

    [Fact]
    public async Task A_failed_trial_reopens_the_circuit_everywhere_for_another_break()
    {
        var fleet = new FakeFleet(_time);
        var a1 = new FakeChatClient("A").Throws(Status500("A"));
        var a2 = new FakeChatClient("A").Throws(Status500("A"));
        var one = Replica(fleet.Join("one"), a1, new FakeChatClient("B").Answers("from B"));
        var two = Replica(fleet.Join("two"), a2, new FakeChatClient("B").Answers("from B on 2"));
        await OpenAsync(one);
        _time.Advance(Break + TimeSpan.FromSeconds(1));

        var trial = await two.Client.GetResponseAsync("hi");
        _time.Advance(TimeSpan.FromSeconds(10));
        var onOne = await one.Client.GetResponseAsync("hi");
        var onTwo = await two.Client.GetResponseAsync("hi");

        Assert.Equal("A: 500 generation failed; B: answered", trial.GetFallbackReport()!.Summary);
        Assert.Equal("A: deferred (circuit open (opened by another replica, 20 s left)); B: answered", onOne.GetFallbackReport()!.Summary);
        Assert.Equal("A: deferred (circuit open (its trial failed, 20 s left)); B: answered", onTwo.GetFallbackReport()!.Summary);
        Assert.Equal(2, a1.Calls);
        Assert.Equal(1, a2.Calls);
    }

    [Fact]
    public async Task The_replica_that_opened_the_circuit_sends_the_trial_through_its_own_breaker_when_it_claims_first()
    {
        var fleet = new FakeFleet(_time);
        var a1 = new FakeChatClient("A").Throws(Status500("A")).Throws(Status500("A")).Answers("A is back");
        var a2 = new FakeChatClient("A").Answers("from A on 2");
        var one = Replica(fleet.Join("one"), a1, new FakeChatClient("B").Answers("from B"));
        var two = Replica(fleet.Join("two"), a2, new FakeChatClient("B").Answers("from B on 2"));
        await OpenAsync(one);
        _time.Advance(Break + TimeSpan.FromSeconds(1));

        var trial = await one.Client.GetResponseAsync("hi");
        var onTwo = await two.Client.GetResponseAsync("hi");

        Assert.Equal("A is back", trial.Text);
        Assert.Equal("from A on 2", onTwo.Text);   // the success closed it on two as well
        Assert.Equal(1, fleet.Claims);
    }

    [Fact]
    public async Task A_lost_store_leaves_each_replica_its_own_breaker_and_trial()
    {
        var fleet = new FakeFleet(_time) { Lost = true };
        var a1 = new FakeChatClient("A").Throws(Status500("A")).Throws(Status500("A")).Answers("A is back");
        var a2 = new FakeChatClient("A").Answers("from A on 2");
        var one = Replica(fleet.Join("one"), a1, new FakeChatClient("B").Answers("from B"));
        var two = Replica(fleet.Join("two"), a2, new FakeChatClient("B").Answers("from B on 2"));
        await OpenAsync(one);

        var onTwo = await two.Client.GetResponseAsync("hi");
        var onOne = await one.Client.GetResponseAsync("hi");
        _time.Advance(Break + TimeSpan.FromSeconds(1));
        var trial = await one.Client.GetResponseAsync("hi");

        Assert.Equal("from A on 2", onTwo.Text);   // not told: its own breaker is closed
        Assert.Equal("A: deferred (circuit open); B: answered", onOne.GetFallbackReport()!.Summary);
        Assert.Equal("A is back", trial.Text);     // the claim is granted locally
        Assert.Equal(3, a1.Calls);
    }

    [Fact]
    public async Task Without_a_change_of_state_the_sharing_is_never_called_on_a_request()
    {
        var sharing = new Mock<IBackendStateSharing>(MockBehavior.Strict);
        sharing.Setup(s => s.Subscribe(It.IsAny<IBackendStateObserver>(), It.IsAny<IReadOnlyCollection<string>>())).Returns(Mock.Of<IDisposable>());
        var chain = Replica(sharing.Object, new FakeChatClient("A").Answers("from A"), new FakeChatClient("B").Answers("from B"));

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("from A", (await chain.Client.GetResponseAsync("hi")).Text);
        }

        sharing.Verify(s => s.Subscribe(It.IsAny<IBackendStateObserver>(), It.IsAny<IReadOnlyCollection<string>>()), Times.Exactly(2));   // the chain's circuits, the monitor's health
        sharing.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task The_circuit_opening_and_closing_is_published_once_each()
    {
        var published = new List<SharedCircuitState>();
        var sharing = new Mock<IBackendStateSharing>();
        sharing.Setup(s => s.Subscribe(It.IsAny<IBackendStateObserver>(), It.IsAny<IReadOnlyCollection<string>>())).Returns(Mock.Of<IDisposable>());
        sharing.Setup(s => s.PublishCircuitAsync(It.IsAny<SharedCircuitState>(), It.IsAny<CancellationToken>()))
            .Callback<SharedCircuitState, CancellationToken>((s, _) => published.Add(s)).Returns(default(ValueTask));
        sharing.Setup(s => s.TryClaimTrialAsync("A", TimeSpan.FromSeconds(10), It.IsAny<CancellationToken>())).Returns(new ValueTask<bool>(true));
        var chain = Replica(sharing.Object, new FakeChatClient("A").Throws(Status500("A")).Throws(Status500("A")).Answers("A is back"),
            new FakeChatClient("B").Answers("from B"));
        await OpenAsync(chain);
        _time.Advance(Break + TimeSpan.FromSeconds(1));

        Assert.Equal("A is back", (await chain.Client.GetResponseAsync("hi")).Text);

        Assert.Equal([SharedCircuitChange.Opened, SharedCircuitChange.Closed], published.Select(p => p.Change));
        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromSeconds(1), published[0].OpenUntil);
        Assert.False(published[0].OpenedOnTimeout);
        sharing.Verify(s => s.TryClaimTrialAsync("A", TimeSpan.FromSeconds(10), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_newer_health_result_from_another_replica_wins_and_an_older_one_does_not()
    {
        var fleet = new FakeFleet(_time);
        var one = Replica(fleet.Join("one"), new FakeChatClient("A").Answers("a"), new FakeChatClient("B").Answers("b"));
        var two = Replica(fleet.Join("two"), new FakeChatClient("A").Answers("a"), new FakeChatClient("B").Answers("b"));
        two.Health.Report("A", BackendHealthState.Healthy, "fine");
        _time.Advance(TimeSpan.FromSeconds(1));

        var probe = fleet.Join("probe");
        await probe.PublishHealthAsync(new BackendHealth("A", BackendHealthState.Down, "connection refused", _time.GetUtcNow()));
        var afterNewer = two.Health.Get("A");
        await probe.PublishHealthAsync(new BackendHealth("A", BackendHealthState.Healthy, "stale", _time.GetUtcNow() - TimeSpan.FromMinutes(1)));
        var afterOlder = two.Health.Get("A");

        Assert.Equal(BackendHealthState.Down, afterNewer.State);
        Assert.Equal("connection refused", afterNewer.Reason);
        Assert.Equal(afterNewer, afterOlder);
        Assert.Equal(BackendHealthState.Down, one.Health.Get("A").State);
    }

    [Fact]
    public async Task A_changed_probe_result_is_published_to_the_other_replicas()
    {
        var fleet = new FakeFleet(_time);
        var down = new FakeHealthCheck { Result = Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy("agent crashed") };
        var one = new FallbackChainBuilder()
            .AddBackend(new ChainBackend("A", new FakeChatClient("A").Answers("a"), Options("A"), health: down))
            .UseTimeProvider(_time).UseSharedState(fleet.Join("one")).Configure(o => o.Order = ["A"]).BuildChain();
        var two = Replica(fleet.Join("two"), new FakeChatClient("A").Answers("a"), new FakeChatClient("B").Answers("from B"));

        await one.Health.ProbeAllAsync();
        var response = await two.Client.GetResponseAsync("hi");

        Assert.Equal(BackendHealthState.Down, two.Health.Get("A").State);
        Assert.Equal("A: deferred (down: agent crashed); B: answered", response.GetFallbackReport()!.Summary);
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> AfterAsync(Task release, string text, [EnumeratorCancellation] CancellationToken token = default)
    {
        await release.WaitAsync(token);
        yield return new ChatResponseUpdate(ChatRole.Assistant, text);
    }
}
