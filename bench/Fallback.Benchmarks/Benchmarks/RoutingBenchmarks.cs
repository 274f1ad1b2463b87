using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Benchmarks.Benchmarks;

/// <summary>
/// The routing decision alone (<see cref="FallbackRouter.DecideAsync"/>, what the chain does before its first attempt):
/// its nanoseconds are lost in the chain's own noise, so they are measured here (issue 7).
/// </summary>
public class RoutingBenchmarks
{
    private const string Category = "Routing decision alone";
    private static readonly IReadOnlyList<ChatMessage> NoMatch = [new ChatMessage(ChatRole.User, "What is the capital of France?")];

    private ChainFixture _noRules = null!;
    private ChainFixture _tenRules = null!;
    private FallbackRouter _plain = null!;
    private FallbackRouter _rules = null!;

    [GlobalSetup]
    public void Setup()
    {
        _noRules = ChainFixture.Create(FirstBackend.Answers, routing: RoutingRules.RoutesOnly);
        _tenRules = ChainFixture.Create(FirstBackend.Answers, routing: RoutingRules.TenRules);
        _plain = ((FallbackChatClient)_noRules.Chain).Router;
        _rules = ((FallbackChatClient)_tenRules.Chain).Router;
        ChainFixture.Check(_plain.DecideAsync(ChainFixture.Messages, null).Result.ChosenBy == "default", "no rules: not the default route");
        ChainFixture.Check(_rules.DecideAsync(ChainFixture.Messages, null).Result.ChosenBy == "rule:greeting", "ten rules: the tenth did not choose");
        ChainFixture.Check(_rules.DecideAsync(NoMatch, null).Result.ChosenBy == "default", "ten rules, no match: not the default route");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _noRules.Dispose();
        _tenRules.Dispose();
    }

    [Benchmark(Baseline = true, Description = "3 routes, no rules")]
    [BenchmarkCategory(Category)]
    public ValueTask<FallbackRouteDecision> NoRules() => _plain.DecideAsync(ChainFixture.Messages, null);

    [Benchmark(Description = "ten rules, the 10th matches")]
    [BenchmarkCategory(Category)]
    public ValueTask<FallbackRouteDecision> TenRulesLastMatches() => _rules.DecideAsync(ChainFixture.Messages, null);

    [Benchmark(Description = "ten rules, none matches")]
    [BenchmarkCategory(Category)]
    public ValueTask<FallbackRouteDecision> TenRulesNoneMatches() => _rules.DecideAsync(NoMatch, null);
}
