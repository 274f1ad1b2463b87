using AgentHost.Connectors.Mlx;
using AgentHost.Fallback;
using AgentHost.Routing;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Moq;

namespace AgentHost.Tests.Routing;

/// <summary>How a checked route/model choice rides on SK execution settings and MEAI options without disturbing them.</summary>
public sealed class RouteChoiceTests
{
    [Fact]
    public void On_execution_settings_the_choice_is_added_to_a_copy_keeping_everything_else()
    {
        var original = new PromptExecutionSettings
        {
            ModelId = "gpt-4o",
            FunctionChoiceBehavior = FunctionChoiceBehavior.Auto(),
            ExtensionData = new Dictionary<string, object> { ["temperature"] = 0.2, [FallbackRouter.ModelKey] = "stale" },
        };
        original.Freeze();

        var routed = new RouteChoice("local", null).ApplyTo(original);

        Assert.NotSame(original, routed);
        Assert.Equal("gpt-4o", routed.ModelId);
        Assert.NotNull(routed.FunctionChoiceBehavior);
        Assert.Equal(0.2, routed.ExtensionData!["temperature"]);
        Assert.Equal("local", routed.ExtensionData[FallbackRouter.RouteKey]);
        Assert.False(routed.ExtensionData.ContainsKey(FallbackRouter.ModelKey));
        Assert.Equal("stale", original.ExtensionData[FallbackRouter.ModelKey]);
    }

    [Fact]
    public void A_prompt_without_settings_gets_default_ones_and_every_service_s_settings_carry_the_choice()
    {
        var none = new RouteChoice(null, "qwen2.5:7b").ApplyTo((IReadOnlyDictionary<string, PromptExecutionSettings>?)null);
        var two = new RouteChoice("ask", "llama3.2").ApplyTo(new Dictionary<string, PromptExecutionSettings>
        {
            [PromptExecutionSettings.DefaultServiceId] = new(),
            ["other"] = new() { ExtensionData = new Dictionary<string, object> { ["max_tokens"] = 10 } },
        });

        Assert.Equal("qwen2.5:7b", Assert.Single(none).Value.ExtensionData![FallbackRouter.ModelKey]);
        Assert.Equal(PromptExecutionSettings.DefaultServiceId, none.Keys.Single());
        Assert.All(two.Values, s => Assert.Equal(("ask", "llama3.2"), (s.ExtensionData![FallbackRouter.RouteKey], s.ExtensionData[FallbackRouter.ModelKey])));
        Assert.Equal(10, two["other"].ExtensionData!["max_tokens"]);
    }

    [Fact]
    public void On_chat_options_the_choice_uses_the_chain_s_keys()
    {
        var options = new RouteChoice("local", "llama3.2").ApplyTo(new ChatOptions { Temperature = 0.5f });

        Assert.Equal(("local", "llama3.2"), (options.AdditionalProperties![FallbackRouter.RouteKey], options.AdditionalProperties[FallbackRouter.ModelKey]));
        Assert.Equal(0.5f, options.Temperature);
        Assert.Equal("route local, model llama3.2", new RouteChoice("local", "llama3.2").ToString());
    }
    [Fact]
    public async Task A_model_choice_s_decision_reaches_the_chat_client_typed_and_a_route_choice_goes_by_name()
    {
        var chain = new FallbackChainBuilder()
            .AddBackend(new ChainBackend("Mlx", Mock.Of<IChatClient>(), new MlxOptions { Endpoint = "http://mlx.test", Model = "qwen" }))
            .Configure(o => o.Order = ["Mlx"])
            .BuildChain();
        var model = RouteChoice.ForName("qwen", await chain.Router.ResolveAsync("qwen"));

        // SK's own conversion (what the chain's SK face runs): the base settings type's values pass as they are.
        var options = model.ApplyTo(new PromptExecutionSettings { ExtensionData = new Dictionary<string, object> { ["temperature"] = 0.2 } }).ToChatOptions(null)!;
        Assert.Same(model.Decision, options.AdditionalProperties![FallbackRouter.DecisionKey]);
        Assert.Equal("qwen", options.AdditionalProperties[FallbackRouter.ModelKey]);
        Assert.Same(model.Decision, model.ApplyTo(new ChatOptions()).AdditionalProperties![FallbackRouter.DecisionKey]);

        // A derived settings type goes through JSON in SK's conversion: there only the names are carried.
        var derived = model.ApplyTo(new DerivedSettings { ModelId = "m" });
        Assert.IsType<DerivedSettings>(derived);
        Assert.False(derived.ExtensionData!.ContainsKey(FallbackRouter.DecisionKey));
        Assert.Equal("qwen", derived.ExtensionData[FallbackRouter.ModelKey]);

        // A route's models come from each request's messages (the model rules): it goes by name, decided per call.
        var route = RouteChoice.ForName("default", await chain.Router.ResolveAsync("default"));
        var routed = route.ApplyTo(new PromptExecutionSettings());
        Assert.False(routed.ExtensionData!.ContainsKey(FallbackRouter.DecisionKey));
        Assert.Equal("default", routed.ExtensionData[FallbackRouter.RouteKey]);
    }

    private sealed class DerivedSettings : PromptExecutionSettings
    {
        public override PromptExecutionSettings Clone() => new DerivedSettings
        {
            ModelId = ModelId,
            ExtensionData = ExtensionData is null ? null : new Dictionary<string, object>(ExtensionData),
        };
    }
}
