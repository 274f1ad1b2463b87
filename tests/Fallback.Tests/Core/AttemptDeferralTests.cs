using System.Net;
using AgentHost.Backends;
using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace AgentHost.Fallback.Tests.Core;

/// <summary>DESIGN §2: a plain entry that is down or open-circuited is deferred, not dropped, and tried before the chain gives up.</summary>
public sealed class AttemptDeferralTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    private static BackendHttpOperationException Status500(string backend) => new(backend, HttpStatusCode.InternalServerError, "generation failed", null, null);

    [Fact]
    public async Task A_last_resort_whose_health_is_down_still_answers_when_every_other_backend_fails()
    {
        var victoria = new FakeChatClient("Victoria").Answers("from Victoria");
        var mlx = new FakeChatClient("Mlx").Throws(Status500("Mlx"));
        var ollama = new FakeChatClient("Ollama").Throws(Status500("Ollama"));
        await using var h = new ChainHarness().Backend("Victoria", victoria).Backend("Mlx", mlx).Backend("Ollama", ollama)
            .Chain(o => o.Order = ["Victoria?", "Mlx", "Ollama", "Victoria"]);
        h.Monitor.Report("Victoria", BackendHealthState.Down, "connection refused");

        var response = await h.Client.GetResponseAsync(Hello);

        Assert.Equal("from Victoria", response.Text);
        Assert.Equal(
            "Victoria: skipped (used only when healthy; down: connection refused); Mlx: 500 generation failed; Ollama: 500 generation failed; "
            + "Victoria: deferred (down: connection refused); Victoria: answered",
            response.GetFallbackReport()!.Summary);
        Assert.Equal(1, victoria.Calls);
        Assert.Contains(h.Logs.Lines, l => l == "[Victoria] deferred: down: connection refused; tried once the others have failed");
    }

    [Fact]
    public async Task A_down_backend_gets_no_request_while_another_answers()
    {
        var a = new FakeChatClient("A").Answers("from A");
        var b = new FakeChatClient("B").Answers("from B");
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A", "B"]);
        h.Monitor.Report("A", BackendHealthState.Down, "refused");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("from B", (await h.Client.GetResponseAsync(Hello)).Text);
        }

        Assert.Equal(0, a.Calls);
    }

    [Fact]
    public async Task An_open_circuit_gets_one_trial_without_retries_when_every_other_backend_fails_and_its_success_closes_the_circuit()
    {
        var a = new FakeChatClient("A").Throws(Status500("A")).Throws(Status500("A")).Answers("A again").Answers("A closed");
        var b = new FakeChatClient("B").Answers("from B").Answers("from B").Throws(Status500("B"));
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o =>
        {
            o.Order = ["A", "B"];
            o.Resilience.BreakerMinimumThroughput = 2;
            o.Resilience.BreakerFailureRatio = 0.3;
            o.Resilience.MaxRetryAttempts = 3;
            o.Resilience.RetryDelay = TimeSpan.Zero;
            o.Resilience.BreakerBreakDuration = TimeSpan.FromMinutes(10);
        });
        await h.Client.GetResponseAsync(Hello);   // A: 500 (its retries are not retryable on 500), B answers
        await h.Client.GetResponseAsync(Hello);   // A: 500 again: the circuit opens; B answers

        var trial = await h.Client.GetResponseAsync(Hello);   // A deferred (open), B fails, A's trial answers
        var after = await h.Client.GetResponseAsync(Hello);

        Assert.Equal("A again", trial.Text);
        Assert.Equal("A: deferred (circuit open); B: 500 generation failed; A: answered", trial.GetFallbackReport()!.Summary);
        Assert.Equal(1, trial.GetFallbackReport()!.Attempts[^1].Tries);
        Assert.Equal("A closed", after.Text);
        Assert.Equal("A: answered", after.GetFallbackReport()!.Summary);
        Assert.Equal(4, a.Calls);
    }

    [Fact]
    public async Task A_failed_trial_of_an_open_circuit_is_sent_once_and_the_chain_then_gives_up_naming_both()
    {
        var a = new FakeChatClient("A").Throws(Status500("A")).Throws(Status500("A")).Throws(new BackendHttpOperationException("A", HttpStatusCode.ServiceUnavailable, "overloaded", null, null));
        var b = new FakeChatClient("B").Answers("from B").Answers("from B").Throws(Status500("B"));
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o =>
        {
            o.Order = ["A", "B"];
            o.Resilience.BreakerMinimumThroughput = 2;
            o.Resilience.MaxRetryAttempts = 3;
            o.Resilience.RetryDelay = TimeSpan.Zero;
        });
        await h.Client.GetResponseAsync(Hello);
        await h.Client.GetResponseAsync(Hello);

        var error = await Assert.ThrowsAsync<FallbackExhaustedException>(() => h.Client.GetResponseAsync(Hello));

        Assert.Equal("A: deferred (circuit open); B: 500 generation failed; A: 503 overloaded", error.Report.Summary);
        Assert.Equal(3, a.Calls);   // a 503 is retried on the normal path; the trial was sent once
    }

    [Fact]
    public async Task A_circuit_opened_by_timeouts_is_not_tried_at_all()
    {
        var a = new FakeChatClient("A").Throws(new TimeoutException("no first token within 1 s")).Throws(new TimeoutException("no first token within 1 s")).Answers("too late");
        var b = new FakeChatClient("B").Answers("from B").Answers("from B").Throws(Status500("B"));
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o =>
        {
            o.Order = ["A", "B"];
            o.Resilience.BreakerMinimumThroughput = 2;
        });
        await h.Client.GetResponseAsync(Hello);
        await h.Client.GetResponseAsync(Hello);

        var error = await Assert.ThrowsAsync<FallbackExhaustedException>(() => h.Client.GetResponseAsync(Hello));

        Assert.Equal("A: deferred (circuit open); B: 500 generation failed; A: skipped (circuit open after a timeout; not tried)", error.Report.Summary);
        Assert.Equal(2, a.Calls);
    }

    [Fact]
    public async Task A_circuit_opened_by_timeouts_gets_its_trial_once_its_break_is_over_when_it_is_the_last_hope()
    {
        var a = new FakeChatClient("A").Throws(new TimeoutException("no first token within 1 s")).Throws(new TimeoutException("no first token within 1 s")).Answers("A is back");
        var b = new FakeChatClient("B").Answers("from B").Answers("from B").Throws(Status500("B"));
        await using var h = new ChainHarness(new FakeTimeProvider()).Backend("A", a).Backend("B", b).Chain(o =>
        {
            o.Order = ["A", "B"];
            o.Resilience.BreakerMinimumThroughput = 2;
            o.Resilience.BreakerBreakDuration = TimeSpan.FromSeconds(10);
        });
        await h.Client.GetResponseAsync(Hello);
        await h.Client.GetResponseAsync(Hello);   // A's second timeout opens its circuit

        // The break is over, but no call has run through A's breaker since (Polly still says open), and its probe says down.
        h.FakeTime!.Advance(TimeSpan.FromSeconds(11));
        h.Monitor.Report("A", BackendHealthState.Down, "probe timed out");
        var response = await h.Client.GetResponseAsync(Hello);

        Assert.Equal("A is back", response.Text);
        Assert.Equal("A: deferred (down: probe timed out); B: 500 generation failed; A: answered", response.GetFallbackReport()!.Summary);
        Assert.Equal(3, a.Calls);
    }

    [Fact]
    public async Task Disabled_backends_and_backends_without_tools_are_never_tried_even_when_everything_else_failed()
    {
        var a = new FakeChatClient("A").Answers("never");
        var b = new FakeChatClient("B").Answers("never");
        var c = new FakeChatClient("C").Throws(Status500("C"));
        await using var h = new ChainHarness()
            .Backend("A", a, o => o.Enabled = false)
            .Backend("B", b, o => o.Capabilities.SupportsTools = false)
            .Backend("C", c)
            .Chain(o => o.Order = ["A", "B", "C"]);
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create(() => "x", "tool")] };

        var error = await Assert.ThrowsAsync<FallbackExhaustedException>(() => h.Client.GetResponseAsync(Hello, options));

        Assert.Equal("A: skipped (disabled); B: skipped (no tool support); C: 500 generation failed", error.Report.Summary);
        Assert.Equal((0, 0), (a.Calls, b.Calls));
    }

    [Fact]
    public async Task Deferred_servers_are_tried_before_a_last_resort_answers()
    {
        var server = new FakeChatClient("Server").Answers("from the server");
        var local = new FakeChatClient("Local").Answers("from the last resort");
        await using var h = new ChainHarness().Backend("Server", server).Backend("Local", local, lastResort: true)
            .Chain(o => o.Order = ["Server", "Local"]);
        h.Monitor.Report("Server", BackendHealthState.Down, "health 503");

        var response = await h.Client.GetResponseAsync(Hello);

        Assert.Equal("from the server", response.Text);
        Assert.Equal("Server: deferred (down: health 503); Server: answered", response.GetFallbackReport()!.Summary);
        Assert.Equal(0, local.Calls);
    }

    [Fact]
    public async Task A_deferred_backend_streams_its_answer_when_the_others_fail()
    {
        var a = new FakeChatClient("A").Answers("from ", "A");
        var b = new FakeChatClient("B").Throws(Status500("B"));
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A", "B"]);
        h.Monitor.Report("A", BackendHealthState.Down, "refused");

        var updates = await h.Client.GetStreamingResponseAsync(Hello).ToListAsync();

        Assert.Equal("from A", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal("A: deferred (down: refused); B: 500 generation failed; A: answered", updates[^1].GetFallbackReport()!.Summary);
    }
}
