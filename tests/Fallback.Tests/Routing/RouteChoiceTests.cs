using AgentHost.Backends;
using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace AgentHost.Fallback.Tests.Routing;

/// <summary>The caller's choice of route or model, through the chain: strict by <see cref="FallbackRouter.RouteKey"/>, lenient by ModelId.</summary>
public sealed class RouteChoiceTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    internal static ChainHarness ThreeBackends(out FakeChatClient mlx, out FakeChatClient ollama, out FakeChatClient victoria, Action<FallbackRoutingOptions>? routing = null)
    {
        mlx = new FakeChatClient("Mlx").Answers("from Mlx");
        ollama = new FakeChatClient("Ollama").Answers("from Ollama");
        victoria = new FakeChatClient("Victoria").Answers("from Victoria");
        var h = new ChainHarness().Backend("Mlx", mlx, o => o.Model = "qwen2.5-coder:32b").Backend("Ollama", ollama, o => o.Model = "llama3.2")
            .Backend("Victoria", victoria, o => o.Model = null).Chain(o => o.Order = ["Victoria?", "Mlx", "Ollama", "Victoria"]);
        h.Services.AddFallbackRouting(o =>
        {
            o.Routes["agent"] = new() { Order = ["Victoria?", "Mlx", "Ollama", "Victoria"] };
            o.Routes["ask"] = new() { Order = ["Mlx", "Ollama", "Victoria"] };
            o.Routes["local"] = new() { Order = ["Mlx", "Ollama"], Description = "no Victoria" };
            routing?.Invoke(o);
        });
        return h;
    }

    [Fact]
    public async Task A_route_named_by_the_caller_sets_the_order_and_the_report_says_who_chose_it()
    {
        await using var h = ThreeBackends(out var mlx, out _, out var victoria);
        h.Options["Mlx"].Enabled = false;

        var response = await h.Client.GetResponseAsync(Hello, new ChatOptions().WithFallbackRoute("local"));

        Assert.Equal("from Ollama", response.Text);
        Assert.Equal(0, victoria.Calls);
        var report = response.GetFallbackReport()!;
        Assert.Equal(("local", "caller"), (report.Route, report.ChosenBy));
        Assert.Equal(["Mlx", "Ollama"], report.Attempts.Select(a => a.Backend));
    }

    [Fact]
    public async Task Without_a_choice_the_default_route_is_the_fallback_order()
    {
        await using var h = ThreeBackends(out _, out _, out var victoria);
        await h.Monitor.ProbeAllAsync();

        var response = await h.Client.GetResponseAsync(Hello);

        Assert.Equal("from Victoria", response.Text);
        Assert.Equal(("default", "default"), (response.GetFallbackReport()!.Route, response.GetFallbackReport()!.ChosenBy));
        Assert.Equal(["Victoria?", "Mlx", "Ollama", "Victoria"], h.Client.Router.DefaultRoute.Order);
        Assert.Null(victoria.Received[0].Options?.ModelId);
    }

    [Fact]
    public async Task The_route_key_never_reaches_a_backend()
    {
        await using var h = ThreeBackends(out var mlx, out _, out _);

        await h.Client.GetResponseAsync(Hello, new ChatOptions { Temperature = 0.1f }.WithFallbackRoute("ask"));

        var sent = mlx.Received[0].Options!;
        Assert.Equal(0.1f, sent.Temperature);
        Assert.False(sent.AdditionalProperties?.ContainsKey(FallbackRouter.RouteKey) ?? false);
    }

    [Fact]
    public async Task An_unknown_name_from_the_caller_fails_at_once_listing_routes_and_models()
    {
        await using var h = ThreeBackends(out var mlx, out var ollama, out var victoria);

        var e = await Assert.ThrowsAsync<FallbackRouteNotFoundException>(() => h.Client.GetResponseAsync(Hello, new ChatOptions().WithFallbackRoute("gpt-5")));

        Assert.Equal("'gpt-5' is neither a route nor a model any backend serves. Routes: default, agent, ask, local. Models: qwen2.5-coder:32b, llama3.2.", e.Message);
        Assert.Equal(0, mlx.Calls + ollama.Calls + victoria.Calls);
    }

    [Fact]
    public async Task Route_names_are_case_insensitive()
    {
        await using var h = ThreeBackends(out _, out _, out var victoria);

        var response = await h.Client.GetResponseAsync(Hello, new ChatOptions().WithFallbackRoute("LOCAL"));

        Assert.Equal("from Mlx", response.Text);
        Assert.Equal("local", response.GetFallbackReport()!.Route);
    }

    [Fact]
    public async Task A_model_named_by_the_caller_is_tried_only_on_the_backends_that_serve_it_with_that_model()
    {
        await using var h = ThreeBackends(out var mlx, out var ollama, out var victoria);

        var response = await h.Client.GetResponseAsync(Hello, new ChatOptions().WithFallbackRoute("llama3.2"));

        Assert.Equal("from Ollama", response.Text);
        Assert.Equal(0, mlx.Calls + victoria.Calls);
        Assert.Equal("llama3.2", ollama.Received[0].Options!.ModelId);
        Assert.Equal(("llama3.2", "caller"), (response.GetFallbackReport()!.Route, response.GetFallbackReport()!.ChosenBy));
    }

    [Fact]
    public async Task A_model_only_a_backend_catalog_reports_is_found_there()
    {
        await using var h = ThreeBackends(out var mlx, out var ollama, out _);
        var catalog = new Mock<IModelCatalog>();
        catalog.Setup(c => c.ListModelsAsync(It.IsAny<CancellationToken>())).ReturnsAsync([new BackendModelInfo("qwen2.5:7b"), new BackendModelInfo("llama3.2:latest")]);
        h.Services.AddKeyedSingleton("Ollama", catalog.Object);
        h.Options["Mlx"].Enabled = false;

        var response = await h.Client.GetResponseAsync(Hello, new ChatOptions().WithFallbackRoute("qwen2.5:7b"));

        Assert.Equal("qwen2.5:7b", ollama.Received[0].Options!.ModelId);
        Assert.Equal(["Ollama"], response.GetFallbackReport()!.Attempts.Select(a => a.Backend));
        var listing = await h.Client.Router.ListModelsAsync();
        Assert.Equal(["default", "agent", "ask", "local", "qwen2.5:7b", "llama3.2:latest"], listing.Select(m => m.Id));
        Assert.Equal(["Mlx", "Ollama"], listing.Single(m => m.Id == "local").Backends);
        Assert.Equal(["Ollama"], listing.Single(m => m.Id == "llama3.2:latest").Backends);
        Assert.True(listing[0].IsRoute && !listing[^1].IsRoute);
    }

    [Fact]
    public async Task A_model_id_naming_a_route_chooses_it_and_is_not_sent_on()
    {
        await using var h = ThreeBackends(out var mlx, out _, out var victoria);

        var response = await h.Client.GetResponseAsync(Hello, new ChatOptions { ModelId = "ask" });

        Assert.Equal("from Mlx", response.Text);
        Assert.Null(mlx.Received[0].Options!.ModelId);
        Assert.Equal(("ask", "caller"), (response.GetFallbackReport()!.Route, response.GetFallbackReport()!.ChosenBy));
    }

    [Fact]
    public async Task A_model_id_naming_nothing_known_reaches_the_default_route_as_before()
    {
        // What SK sends for a prompt config written for another provider: never an error.
        await using var h = ThreeBackends(out _, out _, out var victoria, o => o.Rules.Add(new() { Name = "short", MaxLength = 100, Models = { ["Mlx"] = "phi3:mini-4k" } }));

        await h.Monitor.ProbeAllAsync();

        var response = await h.Client.GetResponseAsync(Hello, new ChatOptions { ModelId = "gpt-4o" });

        Assert.Equal("from Victoria", response.Text);
        Assert.Null(victoria.Received[0].Options!.ModelId);
        Assert.Equal(("default", "rule:short"), (response.GetFallbackReport()!.Route, response.GetFallbackReport()!.ChosenBy));
    }

    [Fact]
    public async Task The_streamed_report_names_the_route_on_the_first_and_the_last_update()
    {
        await using var h = ThreeBackends(out _, out _, out _);

        var updates = await h.Client.GetStreamingResponseAsync(Hello, new ChatOptions().WithFallbackRoute("local")).ToListAsync();

        Assert.Equal("local", updates[0].GetFallbackReport()!.Route);
        Assert.Equal(("local", "caller"), (updates[^1].GetFallbackReport()!.Route, updates[^1].GetFallbackReport()!.ChosenBy));
    }

    [Fact]
    public async Task Every_decision_is_one_log_line()
    {
        await using var h = ThreeBackends(out _, out _, out _);

        await h.Client.GetResponseAsync(Hello, new ChatOptions().WithFallbackRoute("local"));

        Assert.Single(h.Logs.Lines, l => l == "[route] local chosen by caller: Mlx, Ollama");
    }

    [Fact]
    public async Task Exhausting_a_route_names_only_its_backends()
    {
        await using var h = ThreeBackends(out var mlx, out var ollama, out var victoria);
        h.Options["Mlx"].Enabled = false;
        h.Options["Ollama"].Enabled = false;

        var e = await Assert.ThrowsAsync<FallbackExhaustedException>(() => h.Client.GetResponseAsync(Hello, new ChatOptions().WithFallbackRoute("local")));

        Assert.Equal("No backend answered: Mlx: skipped (disabled); Ollama: skipped (disabled)", e.Message);
        Assert.Equal("local", e.Report.Route);
        Assert.Equal(0, victoria.Calls);
    }

    [Fact]
    public async Task A_route_and_a_model_together_keep_the_route_backends_that_serve_the_model()
    {
        await using var h = ThreeBackends(out var mlx, out var ollama, out var victoria);

        var response = await h.Client.GetResponseAsync(Hello, new ChatOptions().WithFallbackRoute("ask").WithFallbackModel("llama3.2"));

        Assert.Equal(("ask/llama3.2", "caller"), (response.GetFallbackReport()!.Route, response.GetFallbackReport()!.ChosenBy));
        Assert.Equal(["Ollama"], (await h.Client.Router.ResolveAsync("ask", "llama3.2")).Route.Order);
        Assert.Equal("llama3.2", ollama.Received[0].Options!.ModelId);
        Assert.Equal(0, mlx.Calls + victoria.Calls);
    }

    [Theory]
    [InlineData("gpu", null, "'gpu' is not a route. Routes: default, agent, ask, local.")]
    [InlineData(null, "gpt-5", "'gpt-5' is neither a route nor a model any backend serves. Routes: default, agent, ask, local. Models: qwen2.5-coder:32b, llama3.2.")]
    [InlineData("local", "victoria", "'victoria' is not a model any backend of route 'local' serves. Models: qwen2.5-coder:32b, llama3.2.")]
    public async Task Unknown_routes_and_models_are_refused_in_one_line_listing_what_exists(string? route, string? model, string message)
    {
        await using var h = ThreeBackends(out _, out _, out _);

        var e = await Assert.ThrowsAsync<FallbackRouteNotFoundException>(() => h.Client.Router.ResolveAsync(route, model).AsTask());

        Assert.Equal(message, e.Message);
    }
}
