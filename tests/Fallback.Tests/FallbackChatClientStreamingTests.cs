using System.Net;
using System.Runtime.CompilerServices;
using AgentHost.Backends;
using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Tests;

public sealed class FallbackChatClientStreamingTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    [Fact]
    public async Task Before_the_first_content_a_failure_fails_over_with_a_progress_update_and_nothing_of_the_failed_attempt()
    {
        var a = new FakeChatClient("A").Then(_ => RoleThenFail(new BackendHttpOperationException("A", HttpStatusCode.ServiceUnavailable, "busy", null, null)));
        var b = new FakeChatClient("B").Answers("Hel", "lo");
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A", "B"]);

        var all = await h.Client.GetStreamingResponseAsync(Hello).ToListAsync();

        // First a content-less progress update (what the HTTP service turns into an SSE comment), then only B's updates.
        var progress = all[0].GetFallbackProgress()!;
        Assert.Equal("A failed (503 busy) → trying B", progress.Message);
        Assert.Empty(all[0].Contents);
        Assert.Null(all[0].GetFallbackReport());
        var updates = all.Skip(1).ToList();
        Assert.DoesNotContain(updates, u => u.GetFallbackProgress() is not null);
        Assert.Equal("Hello", string.Concat(updates.Select(u => u.Text)));
        var first = updates[0].GetFallbackReport()!;
        Assert.False(first.IsComplete);
        Assert.Equal("B", first.Backend);
        var last = updates[^1].GetFallbackReport()!;
        Assert.True(last.IsComplete);
        Assert.Equal(["A: 503 busy", "B: answered"], last.Attempts.Select(x => x.ToString()));
        Assert.NotNull(last.Attempts[1].TimeToFirstToken);
        Assert.Equal("B", updates.ToChatResponse().GetFallbackReport()!.Backend);
    }

    [Fact]
    public async Task After_the_first_content_a_failure_is_a_typed_exception_with_what_was_streamed()
    {
        var a = new FakeChatClient("A").Then(_ => TextThenFail(["Hel", "lo "], new IOException("reset by peer")));
        var b = new FakeChatClient("B").Answers("other answer");
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A", "B"]);
        var received = new List<string>();

        var ex = await Assert.ThrowsAsync<FallbackStreamInterruptedException>(async () =>
        {
            await foreach (var u in h.Client.GetStreamingResponseAsync(Hello))
            {
                received.Add(u.Text);
            }
        });

        Assert.Equal("A", ex.Backend);
        Assert.Equal("Hello ", ex.StreamedText);
        Assert.Equal("Hello ", string.Concat(received));
        Assert.Equal(0, b.Calls);
        Assert.IsType<IOException>(ex.InnerException);
        Assert.Equal("A stopped after streaming 6 characters: connection error: reset by peer", ex.Message);
        Assert.Equal(FallbackAttemptOutcome.Failed, ex.Report.Attempts[^1].Outcome);
    }

    [Fact]
    public async Task A_stream_that_ends_without_content_fails_over()
    {
        var a = new FakeChatClient("A").Then(_ => RoleThenFail(null));
        var b = new FakeChatClient("B").Answers("hi");
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A", "B"]);

        var updates = await h.Client.GetStreamingResponseAsync(Hello).ToListAsync();

        Assert.Equal("hi", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal("the stream ended without an answer", updates[^1].GetFallbackReport()!.Attempts[0].Error);
    }

    [Fact]
    public async Task Updates_without_content_held_before_commit_reach_the_caller_only_from_the_winner()
    {
        var a = new FakeChatClient("A").Then(_ => RoleThenFail(new TimeoutException("slow")));
        var b = new FakeChatClient("B").Then(_ => RoleThenText("B-role", "answer"));
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A", "B"]);

        var updates = (await h.Client.GetStreamingResponseAsync(Hello).ToListAsync()).Where(u => u.GetFallbackProgress() is null).ToList();

        Assert.DoesNotContain(updates, u => u.MessageId == "A-role");
        Assert.Equal("B-role", updates[0].MessageId);
    }

    [Fact]
    public async Task A_caller_who_stops_reading_stops_the_backend()
    {
        var stopped = new TaskCompletionSource();
        var a = new FakeChatClient("A").Then(call => Endless(call.Token, stopped));
        await using var h = new ChainHarness().Backend("A", a).Chain(o => o.Order = ["A"]);

        await foreach (var u in h.Client.GetStreamingResponseAsync(Hello))
        {
            break;
        }

        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> RoleThenFail(Exception? failure)
    {
        await Task.Yield();
        yield return new ChatResponseUpdate { Role = ChatRole.Assistant, MessageId = "A-role" };
        if (failure is not null)
        {
            throw failure;
        }
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> RoleThenText(string id, string text)
    {
        await Task.Yield();
        yield return new ChatResponseUpdate { Role = ChatRole.Assistant, MessageId = id };
        yield return new ChatResponseUpdate(ChatRole.Assistant, text) { MessageId = id };
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> TextThenFail(string[] chunks, Exception failure)
    {
        foreach (var chunk in chunks)
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, chunk);
        }

        throw failure;
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Endless(CancellationToken token, TaskCompletionSource stopped, [EnumeratorCancellation] CancellationToken _ = default)
    {
        // The probe is "the backend's own token ended it": a registration disposed by this iterator could be removed
        // before it runs when the cancellation resumes the iterator inline (callbacks run newest first).
        try
        {
            while (true)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, "x");
                await Task.Delay(1, token);
            }
        }
        finally
        {
            if (token.IsCancellationRequested)
            {
                stopped.TrySetResult();
            }
        }
    }
}
