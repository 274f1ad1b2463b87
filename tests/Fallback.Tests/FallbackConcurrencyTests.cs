using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Runtime.CompilerServices;
using AgentHost.Backends;
using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace AgentHost.Fallback.Tests;

public sealed class FallbackConcurrencyTests
{
    private const string WholeA = "the whole answer from A";
    private const string WholeB = "the whole answer from B";

    [Fact]
    public async Task Two_hundred_parallel_calls_through_a_backend_failing_half_the_time_get_whole_answers_or_typed_errors()
    {
        var a = new FakeChatClient("A").Then(call => (call.Number % 6) switch
        {
            0 or 2 or 4 => FakeChatClient.Fail(new BackendHttpOperationException("A", HttpStatusCode.ServiceUnavailable, "busy", null, null)),
            3 => Cut(),
            _ => Words(WholeA),
        });
        var b = new FakeChatClient("B").Then(_ => Words(WholeB));
        await using var h = new ChainHarness(new FakeTimeProvider()).Backend("A", a).Backend("B", b).Chain(o =>
        {
            o.Order = ["A", "B"];
            o.Resilience.BreakerMinimumThroughput = 50;
        });

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            await Task.Yield();
            try
            {
                if (i % 2 == 0)
                {
                    return (await h.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "q")])).Text;
                }

                var text = string.Concat((await h.Client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "q")]).ToListAsync()).Select(u => u.Text));
                return text;
            }
            catch (FallbackStreamInterruptedException ex)
            {
                return $"interrupted:{ex.Backend}:{ex.StreamedText}";
            }
        }));

        Assert.All(results, r => Assert.Contains(r, new[] { WholeA, WholeB, "interrupted:A:the whole " }));
        Assert.Contains(WholeB, results);
        Assert.Equal(200, results.Length);
    }

    [Fact]
    public async Task Spans_and_metrics_are_emitted_per_call_and_per_attempt()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "AgentHost.Fallback",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) { spans.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        var measurements = new List<(string Instrument, string? Backend, string? Outcome)>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (i, l) => { if (i.Meter.Name == "AgentHost.Fallback") { l.EnableMeasurementEvents(i); } };
        meters.SetMeasurementEventCallback<long>((i, _, tags, _) => Record(measurements, i.Name, tags));
        meters.SetMeasurementEventCallback<double>((i, _, tags, _) => Record(measurements, i.Name, tags));
        meters.Start();
        var a = new FakeChatClient("TelA").Throws(new IOException("reset"));
        var b = new FakeChatClient("TelB").Answers("ok");
        await using var h = new ChainHarness().Backend("TelA", a).Backend("TelB", b).Chain(o => o.Order = ["TelA", "TelB"]);

        await h.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "q")]);
        await foreach (var _ in h.Client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "q")]))
        {
        }

        lock (measurements)
        {
            Assert.Contains(("agenthost.fallback.requests", "TelA", "failed"), measurements);
            Assert.Contains(("agenthost.fallback.requests", "TelB", "succeeded"), measurements);
            Assert.Contains(("agenthost.fallback.failovers", "TelA", null), measurements);
            // An attempt is a GenAI client operation: OpenTelemetry's names, the backend as the provider, error.type on failure.
            Assert.Contains(("gen_ai.client.operation.duration", "TelA", "failed"), measurements);
            Assert.Contains(("gen_ai.client.operation.duration", "TelB", null), measurements);
            // Time to the first chunk is a streaming call's only (as the conventions say).
            Assert.Single(measurements, m => m.Instrument == "gen_ai.client.operation.time_to_first_chunk" && m.Backend is "TelA" or "TelB");
            Assert.Contains(("gen_ai.client.operation.time_to_first_chunk", "TelB", null), measurements);
        }

        lock (spans)
        {
            Assert.Contains(spans, s => s.OperationName == "fallback.chat" && (string?)s.GetTagItem("agenthost.backend") == "TelB");
            Assert.Contains(spans, s => s.OperationName == "fallback.attempt" && (string?)s.GetTagItem("agenthost.backend") == "TelA" && s.Status == ActivityStatusCode.Error);
        }
    }

    private static void Record(List<(string, string?, string?)> list, string name, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? backend = null, outcome = null;
        foreach (var t in tags)
        {
            if (t.Key is "backend" or "gen_ai.provider.name")
            { backend = t.Value as string; }
            if (t.Key is "outcome" or "error.type")
            { outcome = t.Value as string; }
        }

        lock (list)
        {
            list.Add((name, backend, outcome));
        }
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Words(string text)
    {
        foreach (var word in text.Split(' ').Select((w, i) => i == 0 ? w : " " + w))
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, word);
        }
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Cut([EnumeratorCancellation] CancellationToken token = default)
    {
        await Task.Yield();
        yield return new ChatResponseUpdate(ChatRole.Assistant, "the whole ");
        throw new BackendResponseException("A", BackendResponseProblem.Truncated, "cut");
    }
}
