using System.ClientModel;
using System.Net;
using System.Text.Json;
using AgentHost.Tests.Cli;
using AgentHost.Tests.Http;
using OpenAI;
using OpenAI.Chat;

namespace AgentHost.Tests.Routing;

/// <summary>The shipped <c>plan</c> route (the seed's plan mode): Victoria's <c>/plan</c>, a plan-only fallback, and its cache.</summary>
public sealed class PlanRouteTests
{
    private static readonly TimeSpan SlowPlan = TimeSpan.FromMilliseconds(2300); // over the route's CacheMinGenerationTime (2 s)

    [Fact]
    public async Task Ask_route_plan_is_answered_by_victorias_plan_and_nothing_calls_run()
    {
        await using var gateway = await TestGateway.StartAsync(startEmulators: true);
        var environment = new Dictionary<string, string>
        {
            ["AgentHost__Backends__Mlx__Endpoint"] = gateway.Mlx.BaseAddress.ToString(),
            ["AgentHost__Backends__Ollama__Endpoint"] = gateway.Ollama.BaseAddress.ToString(),
            ["AgentHost__Backends__Victoria__Endpoint"] = gateway.Victoria.BaseAddress.ToString(),
            ["AgentHost__Backends__Victoria__ProjectContext"] = "atra-web-ide",
        };

        var result = await HostProcess.RunAsync(["ask", "--route", "plan", "deploy the site", "--json"], environment);

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.Equal("Victoria", json.RootElement.GetProperty("backend").GetString());
        Assert.StartsWith("Plan for: deploy the site\n1. ", json.RootElement.GetProperty("text").GetString());
        var plan = Assert.Single(gateway.Victoria.Requests, r => r.PathAndQuery == "/plan");
        using var body = JsonDocument.Parse(plan.Body);
        Assert.Equal("deploy the site", body.RootElement.GetProperty("goal").GetString());
        Assert.Equal("atra-web-ide", body.RootElement.GetProperty("project_context").GetString());
        Assert.DoesNotContain(gateway.Victoria.Requests, r => r.PathAndQuery.StartsWith("/run", StringComparison.Ordinal));
        Assert.DoesNotContain(gateway.Mlx.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task The_same_goal_again_over_http_is_answered_from_the_cache_without_a_plan_call()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Victoria.PlanDelay = SlowPlan;

        using var first = await gateway.PostChatAsync(PlanBody("migrate the database to PostgreSQL"));
        var firstText = await first.Content.ReadAsStringAsync();
        using var second = await gateway.PostChatAsync(PlanBody("migrate the database to PostgreSQL"));
        var secondText = await second.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.False(first.Headers.Contains("x-agent-cache"));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("hit", second.Headers.GetValues("x-agent-cache").Single());
        Assert.Equal("Victoria", second.Headers.GetValues("x-agent-backend").Single());
        Assert.Equal(Content(firstText), Content(secondText));
        using (var report = JsonDocument.Parse(secondText))
        {
            var agentHost = report.RootElement.GetProperty("agent_host");
            Assert.True(agentHost.GetProperty("cached").GetBoolean());
            Assert.Equal("plan", agentHost.GetProperty("route").GetString());
        }

        Assert.Single(gateway.Victoria.Requests, r => r.PathAndQuery == "/plan");

        using var other = await gateway.PostChatAsync(PlanBody("migrate the database to SQLite"));
        Assert.False(other.Headers.Contains("x-agent-cache")); // another goal is another key
        Assert.Equal(2, gateway.Victoria.Requests.Count(r => r.PathAndQuery == "/plan"));
    }

    [Fact]
    public async Task A_streamed_plan_is_cached_too_and_streamed_back_from_the_cache()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Victoria.PlanDelay = SlowPlan;

        using var first = await gateway.PostChatAsync(PlanBody("write the release notes", stream: true));
        var firstText = TestGateway.StreamedText(TestGateway.SseData(await first.Content.ReadAsStringAsync()));
        using var second = await gateway.PostChatAsync(PlanBody("write the release notes", stream: true));
        var secondData = TestGateway.SseData(await second.Content.ReadAsStringAsync());

        Assert.Equal("hit", second.Headers.GetValues("x-agent-cache").Single());
        Assert.Equal(firstText, TestGateway.StreamedText(secondData));
        Assert.Equal("[DONE]", secondData[^1]);
        Assert.Single(gateway.Victoria.Requests, r => r.PathAndQuery == "/plan");
    }

    [Fact]
    public async Task Replicas_on_one_redis_share_the_cached_plans()
    {
        await using var redis = await Emulators.Servers.RedisServer.StartNewAsync();
        var shared = new Dictionary<string, string> { ["AgentHost:State:Redis"] = redis.ConnectionString };
        await using var first = await TestGateway.StartAsync(settings: shared);
        await using var second = await TestGateway.StartAsync(settings: shared);
        first.Victoria.PlanDelay = SlowPlan;

        using var made = await first.PostChatAsync(PlanBody("split the monolith"));
        using var reused = await second.PostChatAsync(PlanBody("split the monolith"));

        Assert.Equal(HttpStatusCode.OK, made.StatusCode);
        Assert.Equal("hit", reused.Headers.GetValues("x-agent-cache").Single());
        Assert.DoesNotContain(second.Victoria.Requests, r => r.Method == "POST"); // the second replica asked no backend
        Assert.Contains("agent-host:cache:", await redis.CommandAsync("KEYS agent-host:cache:*"));
    }

    [Fact]
    public async Task A_slow_plan_whose_stream_was_cut_is_never_cached()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Victoria.Faults.StatusCode = 500;
        gateway.Mlx.Faults.StatusCode = 500;
        gateway.Ollama.Faults.FirstByteDelay = SlowPlan;
        gateway.Ollama.Faults.DropAfterChunks = 2;

        using (var cut = await gateway.PostChatAsync(PlanBody("plan a long trip with many stops", stream: true)))
        {
            Assert.Contains("backend_stream_interrupted", await cut.Content.ReadAsStringAsync());
        }

        gateway.Ollama.Faults.DropAfterChunks = null;
        using var again = await gateway.PostChatAsync(PlanBody("plan a long trip with many stops", stream: true));
        var text = await again.Content.ReadAsStringAsync();

        Assert.False(again.Headers.Contains("x-agent-cache"));
        Assert.Contains("[DONE]", text);
        Assert.Equal(2, gateway.Ollama.Requests.Count(r => r.Method == "POST" && r.PathAndQuery.StartsWith("/api/chat", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_plan_made_in_under_2_s_is_not_cached()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var first = await gateway.PostChatAsync(PlanBody("rename the project"));
        using var second = await gateway.PostChatAsync(PlanBody("rename the project"));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.False(second.Headers.Contains("x-agent-cache"));
        Assert.Equal(2, gateway.Victoria.Requests.Count(r => r.PathAndQuery == "/plan"));
    }

    [Fact]
    public async Task With_victoria_failing_mlx_answers_from_the_plan_only_prompt_without_the_callers_tools()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Victoria.Faults.StatusCode = 500;
        gateway.Victoria.Faults.ErrorMessage = "planner crashed";
        const string tools = """
            "tools":[{"type":"function","function":{"name":"run_shell","description":"runs a command","parameters":{"type":"object","properties":{}}}}]
            """;

        using var answer = await gateway.PostChatAsync(PlanBody("set up CI for the repo", extra: tools));
        var text = await answer.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("Mlx", answer.Headers.GetValues("x-agent-backend").Single());
        Assert.Single(gateway.Victoria.Requests, r => r.PathAndQuery == "/plan");
        using var request = JsonDocument.Parse(gateway.Mlx.Requests.Last(r => r.Method == "POST").Body);
        var sent = request.RootElement.GetProperty("prompt").GetString(); // MLX's /api/generate: the whole conversation as one prompt
        Assert.Contains("You are in plan mode", sent);
        Assert.Contains("Режим планирования", sent);
        Assert.Contains("set up CI for the repo", sent);
        Assert.DoesNotContain("run_shell", sent);
        using var report = JsonDocument.Parse(text);
        var attempts = report.RootElement.GetProperty("agent_host").GetProperty("attempts");
        Assert.Contains("planner crashed", attempts[0].GetProperty("error").GetString());
    }

    [Fact]
    public async Task The_openai_sdk_selects_the_route_by_model_plan()
    {
        await using var gateway = await TestGateway.StartAsync();
        var client = new ChatClient("plan", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseAddress, "v1") });

        var completion = (await client.CompleteChatAsync("plan a birthday party")).Value;
        using var models = JsonDocument.Parse(await gateway.Client.GetStringAsync("v1/models"));

        Assert.StartsWith("Plan for: plan a birthday party", completion.Content[0].Text);
        Assert.Single(gateway.Victoria.Requests, r => r.PathAndQuery == "/plan");
        Assert.Contains(models.RootElement.GetProperty("data").EnumerateArray(), m => m.GetProperty("id").GetString() == "plan");
    }

    private static string PlanBody(string goal, bool stream = false, string? extra = null) =>
        TestGateway.ChatBody(goal, stream, extra).Replace("\"model\":\"agent-host\"", "\"model\":\"plan\"", StringComparison.Ordinal);

    private static string? Content(string completion)
    {
        using var json = JsonDocument.Parse(completion);
        return json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
    }
}
