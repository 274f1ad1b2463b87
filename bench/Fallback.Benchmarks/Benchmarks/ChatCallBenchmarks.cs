using AgentHost.Fallback.Benchmarks.Backends;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Fallback.Benchmarks.Benchmarks;

/// <summary>
/// One non-streaming chat call. Category <c>Call</c>: a canned reply (the same <see cref="ChatResponse"/> instance
/// every call, so anything a layer adds to it is allocated once, not per call). Category <c>Call, fresh reply</c>: a new
/// response per call, as a real connector returns, so the chain's per-call metadata dictionaries show.
/// </summary>
public class ChatCallBenchmarks
{
    private const string Call = "Call";
    private const string Fresh = "Call, fresh reply";

    private ChainFixture _happy = null!;
    private ChainFixture _throws = null!;
    private ChainFixture _breakerOpen = null!;
    private ChainFixture _healthDown = null!;
    private ChainFixture _fresh = null!;
    private ChainFixture _routesOnly = null!;
    private ChainFixture _tenRules = null!;
    private IChatClient _meai = null!;
    private IChatClient _meaiThrows = null!;
    private IChatClient _meaiFresh = null!;
    private IChatCompletionService _skAdapter = null!;
    private IChatCompletionService _skStack = null!;
    private ChatHistory _history = null!;

    [GlobalSetup]
    public void Setup()
    {
        _happy = ChainFixture.Create(FirstBackend.Answers);
        _throws = ChainFixture.Create(FirstBackend.Throws);
        _breakerOpen = ChainFixture.Create(FirstBackend.BreakerOpen);
        _healthDown = ChainFixture.Create(FirstBackend.HealthDown);
        _fresh = ChainFixture.Create(FirstBackend.Answers, InMemoryBehavior.Fresh);
        _routesOnly = ChainFixture.Create(FirstBackend.Answers, routing: RoutingRules.RoutesOnly);
        _tenRules = ChainFixture.Create(FirstBackend.Answers, routing: RoutingRules.TenRules);
        CheckRoute(_routesOnly, "default", "default");
        CheckRoute(_tenRules, "greeting", "rule:greeting");
        _meai = Faces.MeaiFailover(_happy);
        _meaiThrows = Faces.MeaiFailover(_throws);
        _meaiFresh = Faces.MeaiFailover(_fresh);
        _skAdapter = Faces.SkAdapter(_happy);
        _skStack = Faces.SkStack(_happy);
        _history = Faces.NewHistory();

        foreach (var (client, who) in new[] { (_meai, "MEAI failover"), (_meaiThrows, "MEAI failover, first throws"), (_meaiFresh, "MEAI failover, fresh") })
        {
            Faces.CheckAnswer(client.GetResponseAsync(ChainFixture.Messages).GetAwaiter().GetResult().Text, who);
        }

        foreach (var (service, who) in new[] { (_skAdapter, "SK adapter"), (_skStack, "SK stack"), (_happy.ChainSk, "chain SK face") })
        {
            var answer = service.GetChatMessageContentsAsync(_history).GetAwaiter().GetResult();
            Faces.CheckAnswer(answer.Single().Text(), who);
        }

        ChainFixture.Check(_happy.ChainSk.GetChatMessageContentsAsync(_history).GetAwaiter().GetResult().Single().GetFallbackReport()?.Backend == "Primary",
            "the chain's SK face carries no report");
        ChainFixture.Check(_history.Count == 1, $"the chat history grew to {_history.Count} messages");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var fixture in new[] { _happy, _throws, _breakerOpen, _healthDown, _fresh, _routesOnly, _tenRules })
        {
            fixture.Dispose();
        }
    }

    [Benchmark(Baseline = true, Description = "direct backend")]
    [BenchmarkCategory(Call)]
    public Task<ChatResponse> Direct() => _happy.Primary.GetResponseAsync(ChainFixture.Messages);

    [Benchmark(Description = "MEAI OrderedFailoverChatClient")]
    [BenchmarkCategory(Call)]
    public Task<ChatResponse> MeaiFailover() => _meai.GetResponseAsync(ChainFixture.Messages);

    [Benchmark(Description = "chain, IChatClient")]
    [BenchmarkCategory(Call)]
    public Task<ChatResponse> Chain() => _happy.Chain.GetResponseAsync(ChainFixture.Messages);

    [Benchmark(Description = "SK AsChatCompletionService adapter alone (direct)")]
    [BenchmarkCategory(Call)]
    public Task<IReadOnlyList<ChatMessageContent>> SkAdapter() => _skAdapter.GetChatMessageContentsAsync(_history);

    [Benchmark(Description = "SK function invocation + adapter (direct)")]
    [BenchmarkCategory(Call)]
    public Task<IReadOnlyList<ChatMessageContent>> SkStack() => _skStack.GetChatMessageContentsAsync(_history);

    [Benchmark(Description = "chain, SK IChatCompletionService")]
    [BenchmarkCategory(Call)]
    public Task<IReadOnlyList<ChatMessageContent>> ChainSk() => _happy.ChainSk.GetChatMessageContentsAsync(_history);

    [Benchmark(Description = "MEAI failover, first throws")]
    [BenchmarkCategory(Call)]
    public Task<ChatResponse> MeaiFailoverFirstThrows() => _meaiThrows.GetResponseAsync(ChainFixture.Messages);

    [Benchmark(Description = "chain, first throws")]
    [BenchmarkCategory(Call)]
    public Task<ChatResponse> ChainFirstThrows() => _throws.Chain.GetResponseAsync(ChainFixture.Messages);

    [Benchmark(Description = "chain, first's breaker open")]
    [BenchmarkCategory(Call)]
    public Task<ChatResponse> ChainBreakerOpen() => _breakerOpen.Chain.GetResponseAsync(ChainFixture.Messages);

    [Benchmark(Description = "chain, first marked down")]
    [BenchmarkCategory(Call)]
    public Task<ChatResponse> ChainHealthDown() => _healthDown.Chain.GetResponseAsync(ChainFixture.Messages);

    [Benchmark(Description = "chain, 3 routes, no rules")]
    [BenchmarkCategory(Call)]
    public Task<ChatResponse> ChainRoutesNoRules() => _routesOnly.Chain.GetResponseAsync(ChainFixture.Messages);

    [Benchmark(Description = "chain, 3 routes, ten rules (10th matches)")]
    [BenchmarkCategory(Call)]
    public Task<ChatResponse> ChainTenRules() => _tenRules.Chain.GetResponseAsync(ChainFixture.Messages);

    [Benchmark(Baseline = true, Description = "direct backend, fresh reply")]
    [BenchmarkCategory(Fresh)]
    public Task<ChatResponse> DirectFresh() => _fresh.Primary.GetResponseAsync(ChainFixture.Messages);

    [Benchmark(Description = "MEAI failover, fresh reply")]
    [BenchmarkCategory(Fresh)]
    public Task<ChatResponse> MeaiFailoverFresh() => _meaiFresh.GetResponseAsync(ChainFixture.Messages);

    [Benchmark(Description = "chain, IChatClient, fresh reply")]
    [BenchmarkCategory(Fresh)]
    public Task<ChatResponse> ChainFresh() => _fresh.Chain.GetResponseAsync(ChainFixture.Messages);

    private static void CheckRoute(ChainFixture fixture, string route, string chosenBy)
    {
        var report = fixture.Chain.GetResponseAsync(ChainFixture.Messages).GetAwaiter().GetResult().GetFallbackReport();
        ChainFixture.Check(report?.Route == route && report.ChosenBy == chosenBy,
            $"routed to {report?.Route} by {report?.ChosenBy}, expected {route} by {chosenBy}");
    }
}
