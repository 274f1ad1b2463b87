using System.Net;
using System.Net.Http.Headers;
using AgentHost.Tests.Http;

namespace AgentHost.Tests.Telemetry;

/// <summary><c>GET /metrics</c> in the in-process web app: behind the API key, and gone with <c>AgentHost:Telemetry:Metrics</c> off.</summary>
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_ask_for_the_api_key_like_every_api_route()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string> { ["AgentHost:Http:ApiKey"] = "s3cret" });

        using var missing = await gateway.Client.GetAsync("metrics");
        using var keyed = new HttpRequestMessage(HttpMethod.Get, "metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "s3cret") } };
        using var granted = await gateway.Client.SendAsync(keyed);

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        Assert.Contains("# TYPE ", await granted.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task With_metrics_off_there_is_no_metrics_route_and_the_chat_still_answers()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string> { ["AgentHost:Telemetry:Metrics"] = "false" });

        using var scrape = await gateway.Client.GetAsync("metrics");
        using var chat = await gateway.PostChatAsync(TestGateway.ChatBody("hi"));

        Assert.Equal(HttpStatusCode.NotFound, scrape.StatusCode);
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        Assert.Equal("Ollama", chat.Headers.GetValues("x-agent-backend").Single());
    }

    [Fact]
    public async Task Metrics_are_on_by_default_and_not_an_openai_route()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);

        using var scrape = await gateway.Client.GetAsync("metrics");
        using var underV1 = await gateway.Client.GetAsync("v1/metrics");
        var models = await gateway.Client.GetStringAsync("v1/models");

        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Contains("# TYPE ", await scrape.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, underV1.StatusCode);
        Assert.Contains("unknown_url", await underV1.Content.ReadAsStringAsync());
        Assert.DoesNotContain("metrics", models, StringComparison.OrdinalIgnoreCase);
    }
}
