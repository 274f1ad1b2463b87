using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Tests.Routing;

/// <summary>A decision made once above the chain is handed down typed and used as it is: no second decision, and backends never see it.</summary>
public sealed class TypedDecisionTests
{
    [Fact]
    public async Task The_chain_uses_the_decision_it_is_handed_and_decides_nothing_again()
    {
        await using var h = RouteChoiceTests.ThreeBackends(out var mlx, out var ollama, out var victoria, routing: o =>
            o.Rules.Add(new FallbackRuleOptions { Name = "code", Keywords = ["python"], Route = "local", Models = { ["Mlx"] = "qwen2.5-coder:7b" } }));
        var decision = await h.Client.Router.DecideAsync([new ChatMessage(ChatRole.User, "write python")], null);

        // Asked with other words, which the rule would not match: the decision handed down decides.
        var response = await h.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hello")], new ChatOptions().WithFallbackDecision(decision));

        Assert.Equal("from Mlx", response.Text);
        var report = response.GetFallbackReport()!;
        Assert.Equal(("local", "rule:code"), (report.Route, report.ChosenBy));
        Assert.Equal("qwen2.5-coder:7b", mlx.Received[0].Options?.ModelId);
        Assert.False(mlx.Received[0].Options?.AdditionalProperties?.ContainsKey(FallbackRouter.DecisionKey) ?? false, "the decision never reaches a backend");
        Assert.Equal(0, victoria.Calls + ollama.Calls);
    }

    [Fact]
    public async Task A_decision_replaces_any_route_or_model_named_as_text_on_the_options()
    {
        await using var h = RouteChoiceTests.ThreeBackends(out _, out _, out _);
        var decision = await h.Client.Router.DecideAsync([new ChatMessage(ChatRole.User, "hello")], null);
        var options = new ChatOptions().WithFallbackRoute("local").WithFallbackModel("llama3.2").WithFallbackDecision(decision);

        Assert.Equal([FallbackRouter.DecisionKey], options.AdditionalProperties!.Keys);
        Assert.Same(decision, options.AdditionalProperties[FallbackRouter.DecisionKey]);
    }
}
