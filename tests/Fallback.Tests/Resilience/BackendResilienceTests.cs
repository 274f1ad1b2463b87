using System.Net;
using AgentHost.Backends;
using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace AgentHost.Fallback.Tests.Resilience;

public sealed class BackendResilienceTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    private static BackendHttpOperationException Status(HttpStatusCode code, string? error = null, TimeSpan? retryAfter = null) =>
        new("A", code, error, null, retryAfter);

    [Fact]
    public async Task The_breaker_opens_after_failures_defers_the_backend_at_no_cost_and_recovers_half_open()
    {
        var time = new FakeTimeProvider();
        var a = new FakeChatClient("A").Throws(Status(HttpStatusCode.ServiceUnavailable, "overloaded")).Throws(Status(HttpStatusCode.ServiceUnavailable, "overloaded")).Answers("A is back");
        var b = new FakeChatClient("B").Answers("from B");
        await using var h = new ChainHarness(time).Backend("A", a).Backend("B", b).Chain(o =>
        {
            o.Order = ["A", "B"];
            o.Resilience.BreakerMinimumThroughput = 2;
            o.Resilience.BreakerBreakDuration = TimeSpan.FromSeconds(30);
        });

        await h.Client.GetResponseAsync(Hello);
        await h.Client.GetResponseAsync(Hello);
        var whileOpen = await h.Client.GetResponseAsync(Hello);
        time.Advance(TimeSpan.FromSeconds(31));
        var halfOpen = await h.Client.GetResponseAsync(Hello);
        var closed = await h.Client.GetResponseAsync(Hello);

        var skipped = whileOpen.GetFallbackReport()!.Attempts[0];
        Assert.Equal(("A", FallbackAttemptOutcome.Deferred, "circuit open", TimeSpan.Zero, 0), (skipped.Backend, skipped.Outcome, skipped.SkipReason, skipped.Duration, skipped.Tries));
        Assert.Equal("from B", whileOpen.Text);
        Assert.Equal("A is back", halfOpen.Text);
        Assert.Equal("A is back", closed.Text);
        Assert.Equal(4, a.Calls);
        Assert.Contains(h.Logs.Lines, l => l == "[A] circuit opened for 30 s");
    }

    [Fact]
    public async Task A_retry_after_within_the_limit_is_waited_for_and_the_same_backend_retried()
    {
        var time = new ObservedTimeProvider();
        var a = new FakeChatClient("A").Throws(Status(HttpStatusCode.TooManyRequests, "slow down", TimeSpan.FromSeconds(2))).Answers("A after waiting");
        var b = new FakeChatClient("B").Answers("from B");
        await using var h = new ChainHarness(time).Backend("A", a).Backend("B", b).Chain(o =>
        {
            o.Order = ["A", "B"];
            o.Resilience.MaxRetryAttempts = 1;
            o.Resilience.MaxRetryAfterWait = TimeSpan.FromSeconds(5);
        });
        var start = time.GetUtcNow();

        var call = h.Client.GetResponseAsync(Hello);
        await time.WhenArmedAsync(TimeSpan.FromSeconds(2)); // the first try failed and the retry now waits what the 429 asked
        Assert.Equal(1, a.Calls);
        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(1, a.Calls); // the wait is not over: no second try yet
        time.Advance(TimeSpan.FromSeconds(0.5));
        var response = await call;

        Assert.Equal("A after waiting", response.Text);
        Assert.Equal(TimeSpan.FromSeconds(2), time.GetUtcNow() - start);
        Assert.Equal(2, Assert.Single(response.GetFallbackReport()!.Attempts).Tries);
        Assert.Equal(0, b.Calls);
    }

    [Fact]
    public async Task A_retry_after_beyond_the_limit_moves_on_to_the_next_backend_without_waiting()
    {
        var time = new FakeTimeProvider();
        var a = new FakeChatClient("A").Throws(Status(HttpStatusCode.TooManyRequests, "slow down", TimeSpan.FromSeconds(60)));
        var b = new FakeChatClient("B").Answers("from B");
        await using var h = new ChainHarness(time).Backend("A", a).Backend("B", b).Chain(o =>
        {
            o.Order = ["A", "B"];
            o.Resilience.MaxRetryAttempts = 3;
            o.Resilience.MaxRetryAfterWait = TimeSpan.FromSeconds(5);
        });

        var response = await h.Client.GetResponseAsync(Hello);

        Assert.Equal("from B", response.Text);
        Assert.Equal(1, a.Calls);
        Assert.Equal("A: 429 slow down (asked to wait 60 s; not waiting)", response.GetFallbackReport()!.Attempts[0].ToString());
    }

    [Fact]
    public async Task An_attempt_that_exceeds_its_timeout_moves_on()
    {
        var time = new ObservedTimeProvider();
        var started = new TaskCompletionSource();
        var a = new FakeChatClient("A").Then(call => FakeClock.Hang(call.Token, started));
        var b = new FakeChatClient("B").Answers("from B");
        await using var h = new ChainHarness(time).Backend("A", a).Backend("B", b).Chain(o =>
        {
            o.Order = ["A", "B"];
            o.Backends["a"] = new BackendResilienceOptions { AttemptTimeout = TimeSpan.FromSeconds(5) };
        });

        var call = h.Client.GetResponseAsync(Hello);
        await started.Task;
        await time.WhenArmedAsync(TimeSpan.FromSeconds(5)); // the attempt's own timer, at the configured time (fails if another is armed)
        time.Advance(TimeSpan.FromSeconds(5));
        var response = await call.WaitAsync(TimeSpan.FromSeconds(30)); // a timer that never fires fails the test instead of hanging it

        Assert.Equal("from B", response.Text);
        Assert.Equal("A: timed out after 5 s", response.GetFallbackReport()!.Attempts[0].ToString());
    }

    [Fact]
    public async Task A_stream_without_a_first_token_in_time_moves_on()
    {
        var time = new ObservedTimeProvider();
        var started = new TaskCompletionSource();
        var a = new FakeChatClient("A").Then(call => FakeClock.Hang(call.Token, started, roleFirst: true));
        var b = new FakeChatClient("B").Answers("from ", "B");
        await using var h = new ChainHarness(time).Backend("A", a).Backend("B", b).Chain(o =>
        {
            o.Order = ["A", "B"];
            o.Resilience.FirstTokenTimeout = TimeSpan.FromSeconds(3);
        });

        var call = h.Client.GetStreamingResponseAsync(Hello).ToListAsync().AsTask();
        await started.Task;
        await time.WhenArmedAsync(TimeSpan.FromSeconds(3)); // the first-token timer, at the configured time (a timer armed earlier or later fails here)
        time.Advance(TimeSpan.FromSeconds(3));
        var updates = await call.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("from B", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal("A: no first token within 3 s", updates[^1].GetFallbackReport()!.Attempts[0].ToString());
    }

    [Fact]
    public async Task The_first_token_timeout_is_off_by_default_so_a_slow_first_token_is_awaited()
    {
        var time = new ObservedTimeProvider();
        var gate = new TaskCompletionSource();
        var started = new TaskCompletionSource();
        var a = new FakeChatClient("A").Then(_ => After(gate.Task, "whole answer", started));
        await using var h = new ChainHarness(time).Backend("A", a).Chain(o => o.Order = ["A"]);

        var call = h.Client.GetStreamingResponseAsync(Hello).ToListAsync().AsTask();
        await started.Task; // the attempt runs: any timeout it has is armed by now
        Assert.Empty(time.Armed);
        time.Advance(TimeSpan.FromMinutes(10));
        gate.SetResult();
        var updates = await call;

        Assert.Equal("whole answer", string.Concat(updates.Select(u => u.Text)));
    }

    [Fact]
    public async Task Caller_cancellation_of_a_stream_surfaces_at_once_and_no_other_backend_is_tried()
    {
        var started = new TaskCompletionSource();
        var a = new FakeChatClient("A").Then(call => FakeClock.Hang(call.Token, started));
        var b = new FakeChatClient("B").Answers("from B");
        await using var h = new ChainHarness(new FakeTimeProvider()).Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A", "B"]);
        using var cts = new CancellationTokenSource();

        var call = h.Client.GetStreamingResponseAsync(Hello, cancellationToken: cts.Token).ToListAsync(cts.Token).AsTask();
        await started.Task;
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(0, b.Calls);
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> After(Task gate, string text, TaskCompletionSource? started = null)
    {
        started?.TrySetResult();
        await gate;
        yield return new ChatResponseUpdate(ChatRole.Assistant, text);
    }
}
