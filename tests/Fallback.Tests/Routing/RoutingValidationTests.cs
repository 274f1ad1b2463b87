using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentHost.Fallback.Tests.Routing;

/// <summary>Routes and rules are checked at start: one readable line per problem.</summary>
public sealed class RoutingValidationTests
{
    private static IReadOnlyList<string> Failures(Action<FallbackRoutingOptions> configure)
    {
        var h = RouteChoiceTests.ThreeBackends(out _, out _, out _, configure);
        var e = Assert.Throws<OptionsValidationException>(() => h.Provider.GetRequiredService<IOptions<FallbackRoutingOptions>>().Value);
        Assert.Throws<OptionsValidationException>(() => h.Client); // the chain refuses to start on the same problems
        return [.. e.Failures];
    }

    [Fact]
    public void An_unknown_backend_in_a_route_is_named_with_the_registered_ones() =>
        Assert.Equal(
            ["AgentHost:Routes:gpu:Order names 'Vllm', which is not a registered backend (registered: Mlx, Ollama, Victoria)."],
            Failures(o => o.Routes["gpu"] = new() { Order = ["Mlx", "Vllm?"] }));

    [Fact]
    public void An_empty_order_is_refused() =>
        Assert.Equal(
            ["AgentHost:Routes:none:Order is empty; name at least one backend (registered: Mlx, Ollama, Victoria)."],
            Failures(o => o.Routes["none"] = new()));

    [Fact]
    public void A_bad_regular_expression_is_one_line()
    {
        var failure = Assert.Single(Failures(o => o.Rules.Add(new() { Name = "broken", Pattern = "(code", Route = "local" })));

        Assert.StartsWith("AgentHost:Routing:Rules:0 (broken): Pattern '(code' is not a valid regular expression (", failure);
        Assert.DoesNotContain('\n', failure);
    }

    [Fact]
    public void Rules_naming_unknown_routes_or_backends_or_nothing_are_refused_even_when_switched_off() =>
        Assert.Equal(
            [
                "AgentHost:Routing:Rules:0 (r0): Route 'gpu' is not a route (routes: default, agent, ask, local).",
                "AgentHost:Routing:Rules:1 (rule1): Models names 'Vllm', which is not a registered backend (registered: Mlx, Ollama, Victoria).",
                "AgentHost:Routing:Rules:2 (empty): the rule has no outcome; give it a Route, Models, or both.",
                "AgentHost:Routing:Rules:3 (bounds): MinLength 10 and MaxLength 5 leave no message length.",
            ],
            Failures(o =>
            {
                o.Rules.Add(new() { Name = "r0", Route = "gpu", Enabled = false });
                o.Rules.Add(new() { Models = { ["Vllm"] = "x" } });
                o.Rules.Add(new() { Name = "empty", Keywords = ["x"] });
                o.Rules.Add(new() { Name = "bounds", MinLength = 10, MaxLength = 5, Route = "ask" });
            }));

    [Fact]
    public void The_default_route_takes_its_order_from_the_fallback_options() =>
        Assert.Equal(
            ["AgentHost:Routes:default:Order: the default route's order is AgentHost:Fallback:Order; set it there."],
            Failures(o => o.Routes["default"] = new() { Order = ["Mlx"] }));

    [Fact]
    public void Semantic_examples_must_name_routes() =>
        Assert.Equal(
            ["AgentHost:Routing:Semantic:Examples:gpu: 'gpu' is not a route (routes: default, agent, ask, local)."],
            Failures(o =>
            {
                o.Semantic.Enabled = true;
                o.Semantic.Examples["gpu"] = ["train a model"];
            }));

    [Fact]
    public async Task Routes_and_rules_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Routes:local:Order:0"] = "Mlx",
            ["Routes:local:Order:1"] = "Ollama",
            ["Routes:local:Models:Ollama"] = "qwen2.5:7b",
            ["Routing:Rules:0:Name"] = "fast-path",
            ["Routing:Rules:0:MaxLength"] = "200",
            ["Routing:Rules:0:ExcludeKeywords:0"] = "сервер",
            ["Routing:Rules:0:Route"] = "local",
        }).Build();
        await using var h = new ChainHarness()
            .Backend("Mlx", new FakeChatClient("Mlx")).Backend("Ollama", new FakeChatClient("Ollama")).Chain(o => o.Order = ["Mlx", "Ollama"]);
        h.Services.AddFallbackRouting(configuration.GetSection("Routes"), configuration.GetSection("Routing"));

        var router = h.Client.Router;
        var decision = await router.DecideAsync([new(Microsoft.Extensions.AI.ChatRole.User, "привет")], null);

        Assert.Equal(["default", "local"], router.Routes.Select(r => r.Name));
        Assert.Equal(("local", "rule:fast-path", "qwen2.5:7b"), (decision.Route.Name, decision.ChosenBy, decision.ModelFor("Ollama")));
        Assert.Equal("default", (await router.DecideAsync([new(Microsoft.Extensions.AI.ChatRole.User, "проверь сервер")], null)).Route.Name);
    }
}
