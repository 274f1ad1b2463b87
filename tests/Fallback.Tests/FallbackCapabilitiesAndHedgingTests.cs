using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace AgentHost.Fallback.Tests;

public sealed class FallbackCapabilitiesAndHedgingTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    [Fact]
    public async Task A_request_with_tools_skips_backends_without_tool_support()
    {
        var v = new FakeChatClient("Victoria").Answers("from Victoria");
        var o = new FakeChatClient("Ollama").Answers("from Ollama");
        await using var h = new ChainHarness().Backend("Victoria", v, x => x.Capabilities.SupportsTools = false).Backend("Ollama", o).Chain(x => x.Order = ["Victoria", "Ollama"]);
        var tools = new ChatOptions { Tools = [AIFunctionFactory.Create(() => 1, "One")] };

        var withTools = await h.Client.GetResponseAsync(Hello, tools);
        var without = await h.Client.GetResponseAsync(Hello);

        Assert.Equal("from Ollama", withTools.Text);
        Assert.Equal("Victoria: skipped (no tool support)", withTools.GetFallbackReport()!.Attempts[0].ToString());
        Assert.Equal("from Victoria", without.Text);
    }

    [Fact]
    public async Task A_request_larger_than_a_declared_context_window_skips_that_backend()
    {
        var small = new FakeChatClient("Small").Answers("small");
        var large = new FakeChatClient("Large").Answers("large");
        await using var h = new ChainHarness().Backend("Small", small, x => x.Capabilities.ContextWindow = 1000).Backend("Large", large, x => x.Capabilities.ContextWindow = 100_000)
            .Chain(x => x.Order = ["Small", "Large"]);

        var response = await h.Client.GetResponseAsync([new ChatMessage(ChatRole.User, new string('x', 8000))]);

        Assert.Equal("large", response.Text);
        Assert.Equal(0, small.Calls);
        Assert.StartsWith("Small: skipped (request of ~", response.GetFallbackReport()!.Attempts[0].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hedging_starts_the_next_backend_after_the_delay_and_the_first_content_wins()
    {
        var time = new ObservedTimeProvider();
        var started = new TaskCompletionSource();
        var aCancelled = new TaskCompletionSource();
        var a = new FakeChatClient("A").Then(call =>
        {
            call.Token.Register(() => aCancelled.TrySetResult());
            return FakeClock.Hang(call.Token, started);
        });
        var b = new FakeChatClient("B").Answers("fast ", "answer");
        await using var h = new ChainHarness(time).Backend("A", a).Backend("B", b).Chain(x =>
        {
            x.Order = ["A", "B"];
            x.Hedging.Enabled = true;
            x.Hedging.Delay = TimeSpan.FromSeconds(2);
        });

        var call = h.Client.GetStreamingResponseAsync(Hello).ToListAsync().AsTask();
        await started.Task; // A runs ...
        await time.WhenArmedAsync(TimeSpan.FromSeconds(2)); // ... and the hedge delay is armed beside it (after A was started)
        time.Advance(TimeSpan.FromSeconds(2));
        var updates = await call;
        await aCancelled.Task;

        Assert.Equal("fast answer", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(["A: cancelled (B answered first)", "B: answered"], updates[^1].GetFallbackReport()!.Attempts.Select(x => x.ToString()));
        Assert.Contains("[A] no first token after 2 s: hedging with B", h.Logs.Lines);
    }

    [Fact]
    public async Task Without_hedging_a_slow_backend_is_waited_for()
    {
        var time = new ObservedTimeProvider();
        var gate = new TaskCompletionSource();
        var started = new TaskCompletionSource();
        var a = new FakeChatClient("A").Then(_ => Gated(gate.Task, started));
        var b = new FakeChatClient("B").Answers("B");
        await using var h = new ChainHarness(time).Backend("A", a).Backend("B", b).Chain(x => x.Order = ["A", "B"]);

        var call = h.Client.GetResponseAsync(Hello);
        await started.Task; // A's attempt runs: a hedge or a timeout would be armed by now
        Assert.Empty(time.Armed);
        time.Advance(TimeSpan.FromMinutes(1));
        gate.SetResult();

        Assert.Equal("slow A", (await call).Text);
        Assert.Equal(0, b.Calls);
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Gated(Task gate, TaskCompletionSource started)
    {
        started.TrySetResult();
        await gate;
        yield return new ChatResponseUpdate(ChatRole.Assistant, "slow A");
    }
}
