using System.Runtime.CompilerServices;
using AgentHost.Fallback;
using AgentHost.Fallback.Streaming;
using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Tests.Streaming;

public sealed class CoalescingChatClientTests
{
    [Fact]
    public async Task A_burst_already_there_arrives_as_one_update_and_a_lone_update_is_not_held_back()
    {
        var inner = new ScriptedClient(Text("H"), Enumerable.Range(0, 99).Select(i => Text(((char)('a' + (i % 26))).ToString())).ToArray());
        var client = new ChatClientBuilder(inner).UseUpdateCoalescing().Build();
        var ct = CancellationToken.None;

        await using var updates = client.GetStreamingResponseAsync("hi", cancellationToken: ct).GetAsyncEnumerator(ct);

        Assert.True(await updates.MoveNextAsync());
        Assert.Equal("H", updates.Current.Text); // the inner stream is still waiting: the first update came alone, at once
        inner.ReleaseBurst();
        Assert.True(await updates.MoveNextAsync());
        Assert.True(inner.BurstRead.IsCompleted); // the whole burst was read before its text went out
        Assert.Equal(string.Concat(Enumerable.Range(0, 99).Select(i => (char)('a' + (i % 26)))), updates.Current.Text);
        Assert.Equal(ChatRole.Assistant, updates.Current.Role);
        inner.ReleaseEnd();
        Assert.False(await updates.MoveNextAsync());
    }

    [Fact]
    public async Task Updates_other_than_plain_text_pass_through_unchanged_and_in_order()
    {
        var progress = new ChatResponseUpdate { Role = ChatRole.Assistant, AdditionalProperties = new() { [FallbackProgress.MetadataKey] = "Mlx failed → trying Ollama" } };
        var call = new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("c1", "time")]);
        var usage = new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails { TotalTokenCount = 3 })]);
        var finish = new ChatResponseUpdate(ChatRole.Assistant, "!") { FinishReason = ChatFinishReason.Stop };
        var inner = new ScriptedClient(Text("0"), [progress, Text("a"), Text("b"), call, Text("c"), Text("d"), usage, Text("e"), finish]);
        var client = new ChatClientBuilder(inner).UseUpdateCoalescing().Build();
        var ct = CancellationToken.None;

        await using var updates = client.GetStreamingResponseAsync("hi", cancellationToken: ct).GetAsyncEnumerator(ct);
        Assert.True(await updates.MoveNextAsync());
        inner.ReleaseBurst();
        inner.ReleaseEnd();
        var rest = new List<ChatResponseUpdate>();
        while (await updates.MoveNextAsync())
        {
            rest.Add(updates.Current);
        }

        Assert.Equal(7, rest.Count);
        Assert.Same(progress, rest[0]);
        Assert.Equal("ab", rest[1].Text);
        Assert.Same(call, rest[2]);
        Assert.Equal("cd", rest[3].Text);
        Assert.Same(usage, rest[4]);
        Assert.Equal("e", rest[5].Text);
        Assert.Same(finish, rest[6]);
    }

    [Fact]
    public async Task Text_of_different_messages_is_not_merged()
    {
        var inner = new ScriptedClient(Text("0"), [Text("a", "m1"), Text("b", "m1"), Text("c", "m2")]);
        var client = new ChatClientBuilder(inner).UseUpdateCoalescing().Build();
        var ct = CancellationToken.None;

        await using var updates = client.GetStreamingResponseAsync("hi", cancellationToken: ct).GetAsyncEnumerator(ct);
        Assert.True(await updates.MoveNextAsync());
        inner.ReleaseBurst();
        inner.ReleaseEnd();
        var rest = new List<string>();
        while (await updates.MoveNextAsync())
        {
            rest.Add($"{updates.Current.MessageId}:{updates.Current.Text}");
        }

        Assert.Equal(["m1:ab", "m2:c"], rest);
    }

    [Fact]
    public async Task The_inner_streams_error_arrives_after_the_text_before_it()
    {
        var boom = new InvalidOperationException("Generation failed");
        var inner = new ScriptedClient(Text("x"), Enumerable.Range(0, 500).Select(_ => Text("y")).ToArray(), boom);
        var client = new ChatClientBuilder(inner).UseUpdateCoalescing().Build();
        var ct = CancellationToken.None;
        inner.ReleaseBurst();
        inner.ReleaseEnd();
        var text = new System.Text.StringBuilder();

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: ct))
            {
                text.Append(update.Text);
            }
        });

        Assert.Same(boom, thrown);
        Assert.Equal("x" + new string('y', 500), text.ToString());
    }

    [Fact]
    public async Task Cancelling_the_call_ends_the_inner_streams_wait_and_disposes_it()
    {
        var inner = new ScriptedClient(Text("x"), []);
        var client = new ChatClientBuilder(inner).UseUpdateCoalescing().Build();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken.None);

        var updates = client.GetStreamingResponseAsync("hi", cancellationToken: cancellation.Token).GetAsyncEnumerator(cancellation.Token);
        Assert.True(await updates.MoveNextAsync());
        var next = updates.MoveNextAsync();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await next);
        await updates.DisposeAsync();
        Assert.True(inner.Disposed.IsCompleted); // nothing of the inner stream is left running
    }

    [Fact]
    public async Task A_consumer_that_stops_while_the_inner_stream_waits_ends_that_wait_and_disposes_it()
    {
        var inner = new ScriptedClient(Text("x"), []);
        var client = new ChatClientBuilder(inner).UseUpdateCoalescing().Build();
        var ct = CancellationToken.None;

        await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: ct))
        {
            Assert.Equal("x", update.Text);
            break;
        }

        Assert.True(inner.Disposed.IsCompleted);
    }

    [Fact]
    public async Task A_stream_that_is_always_ahead_still_streams_at_most_max_merged_updates_in_one()
    {
        var inner = new ScriptedClient(Text("x"), Enumerable.Range(0, 25).Select(_ => Text("y")).ToArray());
        var client = new ChatClientBuilder(inner).UseUpdateCoalescing(maxMerged: 10).Build();
        inner.ReleaseBurst();
        inner.ReleaseEnd();

        var texts = new List<string>();
        await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: CancellationToken.None))
        {
            texts.Add(update.Text);
        }

        Assert.Equal(["x" + new string('y', 9), new string('y', 10), new string('y', 6)], texts);
    }

    [Fact]
    public async Task Non_streaming_calls_pass_through()
    {
        var inner = new ScriptedClient(Text("x"), []);
        var client = new ChatClientBuilder(inner).UseUpdateCoalescing().Build();

        var response = await client.GetResponseAsync("hi", cancellationToken: CancellationToken.None);

        Assert.Equal("whole", response.Text);
    }

    private static ChatResponseUpdate Text(string text, string? messageId = null) => new(ChatRole.Assistant, text) { MessageId = messageId };

    /// <summary>Streams <c>first</c>, waits, streams the burst, says so and waits again, then ends (or throws).</summary>
    private sealed class ScriptedClient(ChatResponseUpdate first, ChatResponseUpdate[] burst, Exception? error = null) : IChatClient
    {
        private readonly TaskCompletionSource _burst = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _end = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _burstRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task BurstRead => _burstRead.Task;

        public Task Disposed => _disposed.Task;

        public void ReleaseBurst() => _burst.TrySetResult();

        public void ReleaseEnd() => _end.TrySetResult();

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "whole")));

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            try
            {
                yield return first;
                await _burst.Task.WaitAsync(cancellationToken);
                foreach (var update in burst)
                {
                    yield return update;
                }

                // Asked for the next one: everything before was read.
                _burstRead.TrySetResult();
                await _end.Task.WaitAsync(cancellationToken);
                if (error is not null)
                {
                    throw error;
                }
            }
            finally
            {
                _disposed.TrySetResult();
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
