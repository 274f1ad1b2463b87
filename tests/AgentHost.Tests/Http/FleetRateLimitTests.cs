using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AgentHost.Emulators.Ollama;
using AgentHost.Emulators.Servers;
using AgentHost.Tests.Cli;

namespace AgentHost.Tests.Http;

/// <summary>Two <c>serve</c> processes on one Redis count a key's calls against one budget.</summary>
public sealed class FleetRateLimitTests
{
    [Fact]
    public async Task A_per_key_limit_of_5_a_minute_gives_the_sixth_request_on_either_replica_a_429_with_retry_after()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var ollama = new OllamaEmulator();
        await ollama.StartAsync();
        var environment = new Dictionary<string, string>
        {
            ["AgentHost__State__Redis"] = redis.ConnectionString,
            ["AgentHost__Http__ApiKeys__0"] = "team-a",
            ["AgentHost__Http__ApiKeys__1"] = "team-b",
            ["AgentHost__Http__RateLimit__RequestsPerMinute"] = "5",
            ["AgentHost__Backends__Ollama__Endpoint"] = ollama.BaseAddress.ToString(),
            ["AgentHost__Backends__Mlx__Enabled"] = "false",
            ["AgentHost__Backends__Victoria__Enabled"] = "false",
        };
        await using var first = await ServeProcess.StartAsync(environment);
        await using var second = await ServeProcess.StartAsync(environment);
        var replicas = new[] { first, second };

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var answer = await PostAsync(replicas[i % 2], "team-a", $"question {i}");
            statuses.Add(answer.StatusCode);
        }

        using var sixthOnFirst = await PostAsync(first, "team-a", "sixth");
        using var sixthOnSecond = await PostAsync(second, "team-a", "seventh");
        using var otherKey = await PostAsync(second, "team-b", "another team");

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        foreach (var limited in new[] { sixthOnFirst, sixthOnSecond })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.InRange(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
            Assert.Contains("rate_limit_exceeded", await limited.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.OK, otherKey.StatusCode);
        Assert.Equal(6, ollama.Requests.Count(r => r.PathAndQuery.StartsWith("/api/chat", StringComparison.Ordinal)));
    }

    private static Task<HttpResponseMessage> PostAsync(ServeProcess replica, string key, string text)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(TestGateway.ChatBody(text), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return replica.Client.SendAsync(request);
    }
}
