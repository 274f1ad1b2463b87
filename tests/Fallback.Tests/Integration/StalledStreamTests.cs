using AgentHost.Connectors.Victoria;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentHost.Fallback.Tests.Integration;

/// <summary>Issue 12 item 5: a backend that goes silent mid-stream with its connection open no longer holds the caller.</summary>
public sealed class StalledStreamTests
{
    private static readonly ChatMessage[] Question = [new(ChatRole.User, "count to five")];

    [Fact]
    public async Task A_stream_stalled_after_two_chunks_ends_with_the_typed_interruption_at_the_idle_timeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var chain = await EmulatorChain.StartAsync(order: ["Ollama", "Mlx"], configure: o => o.Resilience.StreamIdleTimeout = TimeSpan.FromSeconds(30));
        chain.Services.AddSingleton<TimeProvider>(time);
        chain.Ollama.Faults.Answer = _ => "one two three four five six";
        chain.Ollama.Faults.StallAfterChunks = 2;

        var received = new List<string>();
        await using var stream = chain.Chain.GetStreamingResponseAsync(Question).GetAsyncEnumerator();
        while (received.Count(t => t.Length > 0) < 2)
        {
            Assert.True(await stream.MoveNextAsync());
            received.Add(stream.Current.Text);
        }

        // Ollama has sent its two chunks and holds the connection open: nothing more arrives until the idle timeout.
        var next = stream.MoveNextAsync().AsTask();
        time.Advance(TimeSpan.FromSeconds(30));
        var error = await Assert.ThrowsAsync<FallbackStreamInterruptedException>(() => next.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal("Ollama", error.Backend);
        Assert.Equal(string.Concat(received), error.StreamedText);
        Assert.Equal("one two three four ", error.StreamedText);
        Assert.Contains("the stream stalled: nothing for 30 s", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, chain.Mlx.GenerationRequests); // committed: no failover, no duplicated text
    }

    [Fact]
    public async Task A_stream_that_stalls_before_any_answer_text_fails_over_to_the_next_backend()
    {
        // Real time, short timeout: the caller cannot see the held progress updates, so there is no moment to advance a fake clock at.
        await using var chain = await EmulatorChain.StartAsync(order: ["Victoria", "Ollama"], configure: o =>
            o.Backends["Victoria"] = new BackendResilienceOptions { StreamIdleTimeout = TimeSpan.FromMilliseconds(500) });
        chain.Services.PostConfigureAll<VictoriaOptions>(o => o.UseStreamEndpoint = true);
        chain.Victoria.StreamRouteEnabled = true;
        chain.Victoria.Faults.StallAfterChunks = 3; // start, progress and step events (no answer text), then silence

        var updates = await chain.Chain.GetStreamingResponseAsync(Question).ToListAsync();

        Assert.Equal("Ollama: count to five", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal("Victoria: the stream stalled: nothing for 500 ms; Ollama: answered", updates[^1].GetFallbackReport()!.Summary);
        Assert.Equal(1, chain.Victoria.GenerationRequests);
    }

    [Fact]
    public void Victoria_declares_a_longer_stream_gap_than_the_chain_s_default()
    {
        // Its steps can be minutes apart (its own LLM calls wait up to 600 s): the default idle timeout must not cut it.
        Assert.True(new VictoriaOptions().Capabilities.LongestStreamGap > TimeSpan.FromSeconds(600));
        Assert.Equal(TimeSpan.FromMinutes(2), BackendResilienceOptions.DefaultStreamIdleTimeout);
    }
}
