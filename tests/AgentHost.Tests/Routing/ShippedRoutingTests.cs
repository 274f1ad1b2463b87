using AgentHost.Fallback;
using AgentHost.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentHost.Tests.Routing;

/// <summary>The routes and rules shipped in <c>appsettings.json</c>, choosing for English and Russian messages.</summary>
public sealed class ShippedRoutingTests
{
    private static readonly string[] DefaultOrder = ["Victoria?", "Mlx", "Ollama", "Victoria"];

    private const string LongGeneral =
        "I am planning a trip through the mountains next summer with a group of friends, and we would like to visit a few small villages, " +
        "walk some of the old trails, find good places to stay overnight and eat local food along the way. What should we think about?";

    private const string LongGeneralRu =
        "Летом мы с друзьями хотим поехать в горы на две недели, пройти по старым тропам, заехать в несколько небольших деревень, " +
        "найти хорошие места для ночёвки и попробовать местную кухню. О чём стоит подумать заранее, чтобы поездка прошла спокойно?";

    private static FallbackRouter Router(params (string Key, string Value)[] overrides)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(ContentRoot.Locate(), "appsettings.json"))
            .AddInMemoryCollection(overrides.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value)))
            .Build();
        var services = new ServiceCollection().AddLogging();
        services.AddAgentHostChat(configuration);
        return services.BuildServiceProvider().GetRequiredService<FallbackRouter>();
    }

    private static Task<FallbackRouteDecision> DecideAsync(FallbackRouter router, string message, ChatOptions? options = null) =>
        router.DecideAsync([new ChatMessage(ChatRole.User, message)], options).AsTask();

    [Fact]
    public void The_shipped_routes_are_default_agent_ask_local_and_plan()
    {
        var routes = Router().Routes;

        Assert.Equal(["default", "agent", "ask", "local", "plan"], routes.Select(r => r.Name));
        Assert.Equal(DefaultOrder, routes[0].Order);
        Assert.Equal(DefaultOrder, routes[1].Order);
        Assert.Equal(["Mlx", "Ollama", "Victoria"], routes[2].Order);
        Assert.Equal(["Mlx", "Ollama"], routes[3].Order);
        Assert.Equal(["Victoria", "Mlx", "Ollama"], routes[4].Order);
        Assert.Equal("plan", routes[4].Settings["Victoria"]["victoria_operation"]);
        Assert.False(routes[4].OffersTools);
        Assert.Equal(TimeSpan.FromHours(1), routes[4].CacheTimeToLive);
        Assert.Equal(TimeSpan.FromSeconds(2), routes[4].CacheMinGenerationTime);
        Assert.Equal(["Mlx", "Ollama"], routes[4].Instructions.Keys.Order());
    }

    [Theory]
    [InlineData("Write a Python function that reverses a list", "qwen2.5-coder:32b", "rule:code-model")]
    [InlineData("Напиши функцию сортировки на питоне", "qwen2.5-coder:32b", "rule:code-model")]
    [InlineData("Отрефакторь этот класс, пожалуйста", "qwen2.5-coder:32b", "rule:code-model")]
    [InlineData(LongGeneral, "phi3.5:3.8b", "rule:long-text-model")]
    [InlineData(LongGeneralRu, "phi3.5:3.8b", "rule:long-text-model")]
    [InlineData("Explain photosynthesis", "phi3.5:3.8b", "rule:explain-model")]
    [InlineData("Расскажи про фотосинтез", "phi3.5:3.8b", "rule:explain-model")]
    [InlineData("hi", "phi3:mini-4k", "rule:short-model")]
    [InlineData("Привет! Как дела?", "phi3:mini-4k", "rule:short-model")]
    public async Task The_seed_model_choice_changes_the_model_only_never_the_order(string message, string model, string chosenBy)
    {
        var decision = await DecideAsync(Router(), message);

        Assert.Equal(("default", chosenBy), (decision.Route.Name, decision.ChosenBy));
        Assert.Equal(DefaultOrder, decision.Route.Order);
        Assert.Equal(model, decision.ModelFor("Mlx"));
        Assert.Null(decision.ModelFor("Ollama"));
        Assert.Null(decision.ModelFor("Victoria"));
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("привет")]
    [InlineData("what is a monad?")]
    [InlineData("что такое монада?")]
    public async Task The_fast_path_is_off_by_default(string message) =>
        Assert.Equal("default", (await DecideAsync(Router(), message)).Route.Name);

    [Theory]
    [InlineData("hello", "ask")]
    [InlineData("привет, как дела?", "ask")]
    [InlineData("write a python function", "ask")]
    [InlineData("check the status of the server", "default")]
    [InlineData("проверь статус сервера", "default")]
    [InlineData("разверни проект в docker", "default")]
    [InlineData("ask victoria to run the task", "default")]
    [InlineData(LongGeneral, "default")]
    [InlineData(LongGeneralRu, "default")]
    public async Task Switched_on_the_fast_path_sends_short_simple_messages_past_Victoria(string message, string route)
    {
        var router = Router(("AgentHost:Routing:Rules:0:Enabled", "true"));

        var decision = await DecideAsync(router, message);

        Assert.Equal(route, decision.Route.Name);
        if (route == "ask")
        {
            Assert.Equal(["Mlx", "Ollama", "Victoria"], decision.Route.Order);
            Assert.StartsWith("rule:fast-path+rule:", decision.ChosenBy);
        }
    }

    [Fact]
    public async Task The_fast_path_leaves_requests_with_tools_to_the_default_route()
    {
        var router = Router(("AgentHost:Routing:Rules:0:Enabled", "true"));
        var tools = new ChatOptions { Tools = [AIFunctionFactory.Create(() => "12:00", "now")] };

        Assert.Equal("default", (await DecideAsync(router, "what time is it?", tools)).Route.Name);
    }

    [Theory]
    [InlineData("Write a Python function", "local", "rule:code-model", "qwen2.5-coder:32b")]
    [InlineData("привет", "agent", "rule:short-model", "phi3:mini-4k")]
    public async Task The_caller_s_route_wins_over_the_shipped_route_rules_and_the_model_rules_still_choose_the_model(
        string message, string route, string modelRule, string mlxModel)
    {
        var router = Router(("AgentHost:Routing:Rules:0:Enabled", "true"));

        var decision = await DecideAsync(router, message, new ChatOptions().WithFallbackRoute(route));

        Assert.Equal((route, "caller+" + modelRule), (decision.Route.Name, decision.ChosenBy));
        Assert.Equal(mlxModel, decision.ModelFor("Mlx"));
    }

    [Fact]
    public async Task A_configured_model_is_a_caller_choice_too()
    {
        var decision = await Router().ResolveAsync("llama3.2");

        Assert.Equal(["Ollama"], decision.Route.Order);
        Assert.Equal("llama3.2", decision.ModelFor("Ollama"));
    }
}
