using AgentHost.Emulators.Hosting;
using AgentHost.Emulators.Ollama;
using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OllamaSharp;

namespace AgentHost.Fallback.Tests.Routing;

/// <summary>Semantic routing over Ollama's /api/embed (the emulator's hashed bag-of-words vectors), through OllamaSharp.</summary>
public sealed class SemanticRoutingTests
{
    private static ChainHarness Semantic(Uri embedEndpoint)
    {
        var h = RouteChoiceTests.ThreeBackends(out _, out _, out _, o =>
        {
            o.Rules.Add(new() { Name = "code-model", Keywords = ["python"], Models = { ["Mlx"] = "qwen2.5-coder:32b" } });
            o.Semantic.Enabled = true;
            o.Semantic.Threshold = 0.3;
            o.Semantic.Examples["agent"] = ["deploy the service to the production server", "разверни сервис на сервере"];
            o.Semantic.Examples["local"] = ["hello how are you today", "привет как дела"];
        });
        h.Services.AddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(FallbackRouter.EmbeddingGeneratorKey,
            (_, _) => new OllamaApiClient(new HttpClient { BaseAddress = embedEndpoint }, "nomic-embed-text"));
        return h;
    }

    private static ChatMessage[] Say(string text) => [new(ChatRole.User, text)];

    [Theory]
    [InlineData("please deploy the service to the server", "agent", "semantic")]
    [InlineData("разверни сервис на сервере", "agent", "semantic")]
    [InlineData("hello, how are you?", "local", "semantic")]
    [InlineData("привет как дела", "local", "semantic")]
    [InlineData("quantum chromodynamics lattice", "default", "default")]
    [InlineData("write python for the production server", "agent", "semantic+rule:code-model")]
    public async Task The_most_similar_route_is_chosen_above_the_threshold(string message, string route, string chosenBy)
    {
        await using var ollama = new OllamaEmulator();
        await ollama.StartAsync();
        await using var h = Semantic(ollama.BaseAddress);

        var decision = await h.Client.Router.DecideAsync(Say(message), null);

        Assert.True(h.Client.Router.IsSemanticRoutingActive);
        Assert.Equal((route, chosenBy), (decision.Route.Name, decision.ChosenBy));
        Assert.Contains(ollama.Requests, r => r.PathAndQuery == "/api/embed");
    }

    [Fact]
    public async Task A_rule_that_names_a_route_wins_without_embedding_anything()
    {
        await using var ollama = new OllamaEmulator();
        await ollama.StartAsync();
        await using var h = Semantic(ollama.BaseAddress);

        var response = await h.Client.GetResponseAsync(Say("hello how are you today"), new ChatOptions().WithFallbackRoute("ask"));

        Assert.Equal(("ask", "caller"), (response.GetFallbackReport()!.Route, response.GetFallbackReport()!.ChosenBy));
        Assert.DoesNotContain(ollama.Requests, r => r.PathAndQuery == "/api/embed");
    }

    [Fact]
    public async Task Without_embeddings_the_rules_still_apply()
    {
        await using var h = Semantic(Loopback.RefusingAddress());

        var first = await h.Client.Router.DecideAsync(Say("python, hello how are you today"), null);
        var second = await h.Client.Router.DecideAsync(Say("hello how are you today"), null);

        Assert.Equal(("default", "rule:code-model", "qwen2.5-coder:32b"), (first.Route.Name, first.ChosenBy, first.ModelFor("Mlx")));
        Assert.Equal(("default", "default"), (second.Route.Name, second.ChosenBy));
        Assert.Single(h.Logs.Lines, l => l.StartsWith("[route] semantic routing failed (", StringComparison.Ordinal) && l.EndsWith("routing by rules alone for 30 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Enabled_without_an_embedding_generator_routes_by_rules_and_says_so()
    {
        await using var h = RouteChoiceTests.ThreeBackends(out _, out _, out _, o =>
        {
            o.Semantic.Enabled = true;
            o.Semantic.Examples["local"] = ["hello"];
        });

        var decision = await h.Client.Router.DecideAsync(Say("hello"), null);

        Assert.False(h.Client.Router.IsSemanticRoutingActive);
        Assert.Equal("default", decision.Route.Name);
        Assert.Contains("[route] semantic routing is enabled but no embedding generator is registered; routing by rules alone", h.Logs.Lines);
    }
}
