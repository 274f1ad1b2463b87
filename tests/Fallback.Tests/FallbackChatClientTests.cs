using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AgentHost.Backends;
using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentHost.Fallback.Tests;

public sealed class FallbackChatClientTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    [Fact]
    public async Task First_backend_in_order_answers_and_the_report_says_so()
    {
        var a = new FakeChatClient("A").Answers("from A");
        var b = new FakeChatClient("B").Answers("from B");
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A", "B"]);

        var response = await h.Client.GetResponseAsync(Hello);

        Assert.Equal("from A", response.Text);
        Assert.Equal(0, b.Calls);
        var report = response.GetFallbackReport()!;
        Assert.Equal("A", report.Backend);
        Assert.Equal("a-model", report.Model);
        var attempt = Assert.Single(report.Attempts);
        Assert.Equal(("A", FallbackAttemptOutcome.Succeeded, 1), (attempt.Backend, attempt.Outcome, attempt.Tries));
        Assert.Same(report, response.Messages[^1].GetFallbackReport());
    }

    public static TheoryData<Exception, string> TransientFailures() => new()
    {
        { new BackendHttpOperationException("A", HttpStatusCode.ServiceUnavailable, "model loading", null, null), "503 model loading" },
        { new BackendHttpOperationException("A", HttpStatusCode.InternalServerError, "generation failed", null, null), "500 generation failed" },
        { new BackendHttpOperationException("A", HttpStatusCode.GatewayTimeout, null, null, null), "504 GatewayTimeout" },
        { new BackendHttpOperationException("A", HttpStatusCode.TooManyRequests, "rate limited", null, null), "429 rate limited" },
        { new BackendHttpOperationException("A", HttpStatusCode.NotFound, "model not found", null, null), "404 model not found" },
        { new BackendHttpOperationException("A", HttpStatusCode.Unauthorized, null, null, null), "401 Unauthorized" },
        { new BackendHttpOperationException("A", HttpStatusCode.Forbidden, null, null, null), "403 Forbidden" },
        { new HttpRequestException("Connection refused (a.test:80)", new SocketException((int)SocketError.ConnectionRefused)), "connection refused" },
        { new HttpRequestException(HttpRequestError.ResponseEnded, "ended"), "connection closed before the reply ended" },
        { new IOException("reset by peer"), "connection error: reset by peer" },
        { new TaskCanceledException("HttpClient.Timeout of 100 seconds elapsed"), "timed out" },
        { new BackendResponseException("A", BackendResponseProblem.Malformed, "malformed reply: not JSON"), "malformed reply: not JSON" },
        { new BackendResponseException("A", BackendResponseProblem.Truncated, "the stream ended before done"), "the stream ended before done" },
        { new BackendResponseException("A", BackendResponseProblem.InBandError, "model runner has unexpectedly stopped"), "model runner has unexpectedly stopped" },
        { new BackendResponseException("A", BackendResponseProblem.Empty, "empty answer"), "empty answer" },
        { new JsonException("'<' is invalid"), "malformed reply ('<' is invalid)" },
    };

    [Theory]
    [MemberData(nameof(TransientFailures))]
    public async Task A_backend_failure_moves_on_to_the_next_backend(Exception failure, string error)
    {
        var a = new FakeChatClient("A").Throws(failure);
        var b = new FakeChatClient("B").Answers("from B");
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A", "B"]);

        var response = await h.Client.GetResponseAsync(Hello);

        Assert.Equal("from B", response.Text);
        var report = response.GetFallbackReport()!;
        Assert.Equal("B", report.Backend);
        Assert.Collection(report.Attempts,
            x => Assert.Equal(("A", FallbackAttemptOutcome.Failed, error), (x.Backend, x.Outcome, x.Error)),
            x => Assert.Equal(("B", FallbackAttemptOutcome.Succeeded), (x.Backend, x.Outcome)));
    }

    [Fact]
    public async Task An_empty_answer_moves_on_to_the_next_backend()
    {
        var a = new FakeChatClient("A").Answers("");
        var b = new FakeChatClient("B").Answers("from B");
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A", "B"]);

        var response = await h.Client.GetResponseAsync(Hello);

        Assert.Equal("from B", response.Text);
        Assert.Equal("the reply held no answer", response.GetFallbackReport()!.Attempts[0].Error);
    }

    public static TheoryData<Exception> CallerErrors() => new()
    {
        new BackendHttpOperationException("A", HttpStatusCode.BadRequest, "invalid message role", null, null),
        new ArgumentException("messages must not be empty"),
    };

    [Theory]
    [MemberData(nameof(CallerErrors))]
    public async Task A_caller_error_surfaces_at_once_without_failover(Exception failure)
    {
        var a = new FakeChatClient("A").Throws(failure);
        var b = new FakeChatClient("B").Answers("from B");
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A", "B"]);

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => h.Client.GetResponseAsync(Hello));

        Assert.Same(failure, thrown);
        Assert.Equal(0, b.Calls);
        Assert.Equal(FallbackAttemptOutcome.Failed, Assert.Single(thrown.GetFallbackReport()!.Attempts).Outcome);
    }

    [Fact]
    public async Task Caller_cancellation_surfaces_at_once_and_no_other_backend_is_tried()
    {
        var started = new TaskCompletionSource();
        var a = new FakeChatClient("A").Then(call => Hang(call.Token, started));
        var b = new FakeChatClient("B").Answers("from B");
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A", "B"]);
        using var cts = new CancellationTokenSource();

        var call = h.Client.GetResponseAsync(Hello, cancellationToken: cts.Token);
        await started.Task;
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(0, b.Calls);
    }

    [Fact]
    public async Task A_context_length_error_moves_on_to_a_backend_with_a_larger_context_window()
    {
        var a = new FakeChatClient("A").Throws(new BackendHttpOperationException("A", HttpStatusCode.BadRequest, "prompt is too long: 9000 tokens > 4096 maximum context length", null, null));
        var b = new FakeChatClient("B").Answers("from B");
        var c = new FakeChatClient("C").Answers("from C");
        await using var h = new ChainHarness()
            .Backend("A", a, o => o.Capabilities.ContextWindow = 4096)
            .Backend("B", b, o => o.Capabilities.ContextWindow = 2048)
            .Backend("C", c, o => o.Capabilities.ContextWindow = 32768)
            .Chain(o => o.Order = ["A", "B", "C"]);

        var response = await h.Client.GetResponseAsync(Hello);

        Assert.Equal("from C", response.Text);
        Assert.Equal(0, b.Calls);
        var skipped = response.GetFallbackReport()!.Attempts[1];
        Assert.Equal(("B", FallbackAttemptOutcome.Skipped, "context window not larger than A's"), (skipped.Backend, skipped.Outcome, skipped.SkipReason));
    }

    [Fact]
    public async Task An_optional_entry_is_used_only_when_healthy_now()
    {
        var a = new FakeChatClient("A").Answers("from A");
        var b = new FakeChatClient("B").Answers("from B");
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A?", "B", "A"]);

        var unknown = await h.Client.GetResponseAsync(Hello);
        h.Monitor.Report("A", BackendHealthState.Healthy);
        var healthy = await h.Client.GetResponseAsync(Hello);

        Assert.Equal("from B", unknown.Text);
        Assert.Equal("A: skipped (used only when healthy; unknown)", unknown.GetFallbackReport()!.Attempts[0].ToString());
        Assert.Equal("from A", healthy.Text);
    }

    [Fact]
    public async Task A_disabled_backend_is_skipped()
    {
        var a = new FakeChatClient("A").Answers("from A");
        var b = new FakeChatClient("B").Answers("from B");
        await using var h = new ChainHarness().Backend("A", a, o => o.Enabled = false).Backend("B", b).Chain(o => o.Order = ["a", "b"]);

        var response = await h.Client.GetResponseAsync(Hello);

        Assert.Equal("from B", response.Text);
        Assert.Equal(0, a.Calls);
        Assert.Equal("A: skipped (disabled)", response.GetFallbackReport()!.Attempts[0].ToString());
    }

    [Fact]
    public async Task When_no_backend_answers_the_exception_names_each_backend_and_why_in_one_line()
    {
        var a = new FakeChatClient("Mlx").Throws(new BackendHttpOperationException("Mlx", HttpStatusCode.ServiceUnavailable, "model loading", null, null));
        var b = new FakeChatClient("Ollama").Throws(new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused)));
        await using var h = new ChainHarness().Backend("Mlx", a).Backend("Ollama", b).Backend("Victoria", new FakeChatClient("V").Answers("x"))
            .Chain(o => o.Order = ["Victoria?", "Mlx", "Ollama"]);

        var ex = await Assert.ThrowsAsync<FallbackExhaustedException>(() => h.Client.GetResponseAsync(Hello));

        Assert.Equal("No backend answered: Victoria: skipped (used only when healthy; unknown); Mlx: 503 model loading; Ollama: connection refused", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Equal(3, ex.Report.Attempts.Count);
    }

    [Fact]
    public async Task Each_attempt_logs_one_line_naming_the_backend_and_where_the_call_goes_next()
    {
        var a = new FakeChatClient("Mlx").Throws(new BackendHttpOperationException("Mlx", HttpStatusCode.ServiceUnavailable, "model loading", null, null));
        var b = new FakeChatClient("Ollama").Answers("hi");
        await using var h = new ChainHarness().Backend("Mlx", a).Backend("Ollama", b).Chain(o => o.Order = ["Mlx", "Ollama"]);
        h.Services.AddLogging(l => l.SetMinimumLevel(LogLevel.Information)); // as shipped: the start of an attempt is at Debug

        await h.Client.GetResponseAsync(Hello);

        var lines = h.Logs.Lines.Where(l => l.StartsWith('[')).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal("[Mlx] failed: 503 model loading → trying Ollama", lines[0]);
        Assert.Matches(@"^\[Ollama\] answered via Ollama Server at http://ollama\.test in [0-9.]+ (ms|s|min) \(first token after [0-9.]+ (ms|s|min)\)$", lines[1]);
    }

    [Fact]
    public async Task The_caller_model_id_is_not_forwarded_unless_asked()
    {
        var a = new FakeChatClient("A").Answers("ok");
        await using var h = new ChainHarness().Backend("A", a).Chain(o => o.Order = ["A"]);

        await h.Client.GetResponseAsync(Hello, new ChatOptions { ModelId = "gpt-4o", Temperature = 0.2f });

        Assert.Null(a.Received[0].Options!.ModelId);
        Assert.Equal(0.2f, a.Received[0].Options!.Temperature);
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Hang(CancellationToken token, TaskCompletionSource started)
    {
        started.TrySetResult();
        await Task.Delay(Timeout.Infinite, token);
        yield break;
    }
}
