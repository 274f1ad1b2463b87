using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Fallback.Benchmarks.Benchmarks;

/// <summary>One streaming chat call over a 2-update in-memory stream, read to the end (the chain adds a final update carrying the report).</summary>
public class StreamingBenchmarks
{
    private const string Stream = "Stream (2 updates)";

    private ChainFixture _happy = null!;
    private ChainFixture _throws = null!;
    private IChatClient _meai = null!;
    private IChatClient _meaiThrows = null!;
    private IChatCompletionService _skAdapter = null!;
    private IChatCompletionService _skStack = null!;
    private ChatHistory _history = null!;

    [GlobalSetup]
    public void Setup()
    {
        _happy = ChainFixture.Create(FirstBackend.Answers);
        _throws = ChainFixture.Create(FirstBackend.Throws);
        _meai = Faces.MeaiFailover(_happy);
        _meaiThrows = Faces.MeaiFailover(_throws);
        _skAdapter = Faces.SkAdapter(_happy);
        _skStack = Faces.SkStack(_happy);
        _history = Faces.NewHistory();

        foreach (var (client, who) in new[] { (_happy.Primary, "direct"), (_meai, "MEAI failover"), (_happy.Chain, "chain"), (_meaiThrows, "MEAI failover, first throws"), (_throws.Chain, "chain, first throws") })
        {
            Faces.CheckAnswer(Faces.StreamTextAsync(client).GetAwaiter().GetResult(), who + " (stream)");
        }

        foreach (var (service, who) in new[] { (_skAdapter, "SK adapter"), (_skStack, "SK stack"), (_happy.ChainSk, "chain SK face") })
        {
            Faces.CheckAnswer(Faces.StreamTextAsync(service, _history).GetAwaiter().GetResult(), who + " (stream)");
        }

        ChainFixture.Check(_history.Count == 1, $"the chat history grew to {_history.Count} messages");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _happy.Dispose();
        _throws.Dispose();
    }

    [Benchmark(Baseline = true, Description = "direct backend, stream")]
    [BenchmarkCategory(Stream)]
    public ValueTask<int> DirectStream() => CountAsync(_happy.Primary);

    [Benchmark(Description = "MEAI failover, stream")]
    [BenchmarkCategory(Stream)]
    public ValueTask<int> MeaiFailoverStream() => CountAsync(_meai);

    [Benchmark(Description = "chain, IChatClient, stream")]
    [BenchmarkCategory(Stream)]
    public ValueTask<int> ChainStream() => CountAsync(_happy.Chain);

    [Benchmark(Description = "SK adapter alone (direct), stream")]
    [BenchmarkCategory(Stream)]
    public ValueTask<int> SkAdapterStream() => CountAsync(_skAdapter, _history);

    [Benchmark(Description = "SK function invocation + adapter (direct), stream")]
    [BenchmarkCategory(Stream)]
    public ValueTask<int> SkStackStream() => CountAsync(_skStack, _history);

    [Benchmark(Description = "chain, SK IChatCompletionService, stream")]
    [BenchmarkCategory(Stream)]
    public ValueTask<int> ChainSkStream() => CountAsync(_happy.ChainSk, _history);

    [Benchmark(Description = "MEAI failover, first throws, stream")]
    [BenchmarkCategory(Stream)]
    public ValueTask<int> MeaiFailoverStreamFirstThrows() => CountAsync(_meaiThrows);

    [Benchmark(Description = "chain, first throws, stream")]
    [BenchmarkCategory(Stream)]
    public ValueTask<int> ChainStreamFirstThrows() => CountAsync(_throws.Chain);

    private static async ValueTask<int> CountAsync(IChatClient client)
    {
        var count = 0;
        await foreach (var update in client.GetStreamingResponseAsync(ChainFixture.Messages).ConfigureAwait(false))
        {
            count++;
        }

        return count;
    }

    private static async ValueTask<int> CountAsync(IChatCompletionService service, ChatHistory history)
    {
        var count = 0;
        await foreach (var chunk in service.GetStreamingChatMessageContentsAsync(history).ConfigureAwait(false))
        {
            count++;
        }

        return count;
    }
}
