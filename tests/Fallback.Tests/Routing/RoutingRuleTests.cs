using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentHost.Fallback.Tests.Routing;

/// <summary>Rules: conditions on the last user message and tools; the first match wins, per route and per models.</summary>
public sealed class RoutingRuleTests
{
    private static ChatMessage[] Say(string text) => [new(ChatRole.System, "be brief"), new(ChatRole.User, "earlier"), new(ChatRole.Assistant, "ok"), new(ChatRole.User, text)];

    private static ChainHarness Rules(out FakeChatClient mlx, out FakeChatClient ollama, out FakeChatClient victoria, params FallbackRuleOptions[] rules) =>
        RouteChoiceTests.ThreeBackends(out mlx, out ollama, out victoria, o =>
        {
            foreach (var rule in rules)
            {
                o.Rules.Add(rule);
            }
        });

    [Theory]
    [InlineData("deploy the docker image", "agent", "rule:ops")]
    [InlineData("разверни контейнер на сервере", "agent", "rule:ops")]
    [InlineData("what is the capital of France?", "local", "rule:question")]
    [InlineData("что такое монада?", "local", "rule:question")]
    [InlineData("Tell a story.", "default", "default")]
    public async Task Keyword_and_pattern_rules_choose_the_route(string message, string route, string chosenBy)
    {
        await using var h = Rules(out _, out _, out _,
            new FallbackRuleOptions { Name = "ops", Keywords = ["deploy", "docker", "разверни", "контейнер"], Route = "agent" },
            new FallbackRuleOptions { Name = "question", Pattern = @"^(what|why|how|что|почему|как)\b|\?$", Route = "local" });

        var decision = await h.Client.Router.DecideAsync(Say(message), null);

        Assert.Equal((route, chosenBy), (decision.Route.Name, decision.ChosenBy));
    }

    [Fact]
    public async Task The_first_matching_rule_wins()
    {
        await using var h = Rules(out _, out _, out _,
            new FallbackRuleOptions { Name = "first", Keywords = ["docker"], Route = "local" },
            new FallbackRuleOptions { Name = "second", Keywords = ["docker"], Route = "agent" });

        var decision = await h.Client.Router.DecideAsync(Say("docker?"), null);

        Assert.Equal(("local", "rule:first"), (decision.Route.Name, decision.ChosenBy));
    }

    [Fact]
    public async Task Length_bounds_tools_and_exclusions_are_conditions_too()
    {
        await using var h = Rules(out _, out _, out _,
            new FallbackRuleOptions { Name = "fast", MaxLength = 20, Tools = false, ExcludeKeywords = ["server", "сервер"], ExcludePattern = @"\bssh\b", Route = "ask" });
        var router = h.Client.Router;
        var tools = new ChatOptions { Tools = [AIFunctionFactory.Create(() => "now", "clock")] };

        Assert.Equal("ask", (await router.DecideAsync(Say("hi there"), null)).Route.Name);
        Assert.Equal("default", (await router.DecideAsync(Say("hi there, how are you today?"), null)).Route.Name);
        Assert.Equal("default", (await router.DecideAsync(Say("hi there"), tools)).Route.Name);
        Assert.Equal("default", (await router.DecideAsync(Say("restart the server"), null)).Route.Name);
        Assert.Equal("default", (await router.DecideAsync(Say("ssh in"), null)).Route.Name);
        Assert.Equal("default", (await router.DecideAsync(Say("проверь сервер"), null)).Route.Name);
    }

    [Fact]
    public async Task A_model_rule_changes_the_model_on_the_wire_and_never_the_order()
    {
        await using var h = Rules(out var mlx, out _, out var victoria,
            new FallbackRuleOptions { Name = "code-model", Keywords = ["python", "код"], Models = { ["Mlx"] = "qwen2.5-coder:32b" } },
            new FallbackRuleOptions { Name = "short-model", MaxLength = 200, Models = { ["Mlx"] = "phi3:mini-4k" } });
        h.Options["Victoria"].Enabled = false;

        var response = await h.Client.GetResponseAsync(Say("напиши код на python"));
        await h.Client.GetResponseAsync(Say("hello"));

        Assert.Equal(["qwen2.5-coder:32b", "phi3:mini-4k"], mlx.Received.Select(c => c.Options!.ModelId));
        var report = response.GetFallbackReport()!;
        Assert.Equal(("default", "rule:code-model"), (report.Route, report.ChosenBy));
        Assert.Equal(["Victoria", "Mlx"], report.Attempts.Select(a => a.Backend));
    }

    [Fact]
    public async Task Backends_a_model_rule_does_not_name_keep_their_own_model()
    {
        await using var h = Rules(out var mlx, out _, out _, new FallbackRuleOptions { Name = "m", MaxLength = 200, Models = { ["Ollama"] = "qwen2.5:7b" } });
        h.Options["Victoria"].Enabled = false;

        var response = await h.Client.GetResponseAsync(Say("hello"), new ChatOptions { Temperature = 0 });

        Assert.Equal("from Mlx", response.Text);
        Assert.Null(mlx.Received[0].Options!.ModelId);
    }

    [Fact]
    public async Task A_route_rule_and_a_later_model_rule_both_apply()
    {
        await using var h = Rules(out var mlx, out _, out _,
            new FallbackRuleOptions { Name = "fast-path", MaxLength = 200, Route = "ask" },
            new FallbackRuleOptions { Name = "code-model", Keywords = ["code"], Models = { ["Mlx"] = "qwen2.5-coder:32b" } });

        var response = await h.Client.GetResponseAsync(Say("write code"));

        Assert.Equal(("ask", "rule:fast-path+rule:code-model"), (response.GetFallbackReport()!.Route, response.GetFallbackReport()!.ChosenBy));
        Assert.Equal("qwen2.5-coder:32b", mlx.Received[0].Options!.ModelId);
    }

    [Fact]
    public async Task A_disabled_rule_is_one_switch_away()
    {
        var rule = new FallbackRuleOptions { Name = "fast-path", Enabled = false, MaxLength = 200, Route = "ask" };
        await using (var off = Rules(out _, out _, out _, rule))
        {
            Assert.Equal("default", (await off.Client.Router.DecideAsync(Say("hi"), null)).Route.Name);
        }

        rule.Enabled = true;
        await using var on = Rules(out _, out _, out _, rule);
        Assert.Equal("ask", (await on.Client.Router.DecideAsync(Say("hi"), null)).Route.Name);
    }

    [Fact]
    public async Task A_route_named_by_the_caller_beats_the_route_rules_and_leaves_the_model_rules_in_force()
    {
        await using var h = Rules(out var mlx, out _, out _,
            new FallbackRuleOptions { Name = "ops", Keywords = ["docker"], Route = "agent" },
            new FallbackRuleOptions { Name = "code", Keywords = ["python"], Models = { ["Mlx"] = "qwen2.5-coder:32b" } },
            new FallbackRuleOptions { Name = "short", MaxLength = 200, Models = { ["Mlx"] = "phi3:mini-4k" } });

        var code = await h.Client.GetResponseAsync(Say("docker and python"), new ChatOptions().WithFallbackRoute("local"));
        var greeting = await h.Client.GetResponseAsync(Say("hello"), new ChatOptions { ModelId = "local" });

        Assert.Equal(("local", "caller+rule:code"), (code.GetFallbackReport()!.Route, code.GetFallbackReport()!.ChosenBy));
        Assert.Equal(("local", "caller+rule:short"), (greeting.GetFallbackReport()!.Route, greeting.GetFallbackReport()!.ChosenBy));
        Assert.Equal(["qwen2.5-coder:32b", "phi3:mini-4k"], mlx.Received.Select(r => r.Options!.ModelId));
    }

    [Fact]
    public async Task A_model_named_by_the_caller_overrides_the_model_rules()
    {
        await using var h = Rules(out var mlx, out _, out _,
            new FallbackRuleOptions { Name = "ops", Keywords = ["docker"], Route = "agent", Models = { ["Mlx"] = "phi3:mini-4k" } });

        var response = await h.Client.GetResponseAsync(Say("docker"), new ChatOptions().WithFallbackModel("qwen2.5-coder:32b"));

        Assert.Equal("caller", response.GetFallbackReport()!.ChosenBy);
        Assert.Equal("qwen2.5-coder:32b", mlx.Received[0].Options!.ModelId);
    }

    [Fact]
    public async Task Deciding_allocates_nothing_without_routing_nor_once_a_rule_outcome_is_known()
    {
        await using var plain = new ChainHarness().Backend("A", new FakeChatClient("A")).Chain(o => o.Order = ["A"]);
        await using var ruled = Rules(out _, out _, out _,
            new FallbackRuleOptions { Name = "ops", Keywords = ["deploy", "docker"], Pattern = "image", Route = "agent" },
            new FallbackRuleOptions { Name = "short", MaxLength = 200, Models = { ["Mlx"] = "phi3:mini-4k" } });
        var messages = Say("deploy the docker image");
        var options = new ChatOptions { Temperature = 0 };

        Assert.Equal(0, await AllocatedAsync(Unlogged(plain), messages, options));
        Assert.Equal(0, await AllocatedAsync(Unlogged(ruled), messages, options));
    }

    /// <summary>The router as the chain builds it, with logging off (a log line is text, and text is allocated).</summary>
    private static FallbackRouter Unlogged(ChainHarness h) => new(
        RegisteredChainBackends.From(h.Provider), h.Provider.GetRequiredService<IOptions<FallbackOptions>>(), h.Provider.GetRequiredService<IOptions<FallbackRoutingOptions>>());

    private static async Task<long> AllocatedAsync(FallbackRouter router, ChatMessage[] messages, ChatOptions options)
    {
        for (var i = 0; i < 3; i++)
        {
            await router.DecideAsync(messages, options); // warm up: the decision for this outcome is built once
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            var pending = router.DecideAsync(messages, options);
            Assert.True(pending.IsCompletedSuccessfully);
            _ = pending.Result;
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
