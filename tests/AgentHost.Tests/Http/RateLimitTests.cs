using System.Net;
using System.Text.Json;
using AgentHost.Emulators.Servers;

namespace AgentHost.Tests.Http;

/// <summary>API keys (<c>AgentHost:Http:ApiKeys</c>) and the per-key limits on model calls (<c>AgentHost:Http:RateLimit</c>).</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task Every_key_of_the_list_gets_in_the_single_ApiKey_still_works_and_another_key_is_refused()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string>
        {
            ["AgentHost:Http:ApiKey"] = "old-key",
            ["AgentHost:Http:ApiKeys:0"] = "team-a",
            ["AgentHost:Http:ApiKeys:1"] = "team-b",
        });

        foreach (var key in new[] { "old-key", "team-a", "team-b" })
        {
            using var answer = await gateway.PostChatAsync(TestGateway.ChatBody("hello"), apiKey: key);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        using var refused = await gateway.PostChatAsync(TestGateway.ChatBody("hello"), apiKey: "team-c");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("invalid_api_key", await ErrorCodeAsync(refused));
    }

    [Fact]
    public async Task Keys_given_as_one_string_with_semicolons_are_each_accepted()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string>
        {
            ["AgentHost:Http:ApiKeys"] = "k1; k2",
        });

        using var first = await gateway.PostChatAsync(TestGateway.ChatBody("hello"), apiKey: "k1");
        using var second = await gateway.PostChatAsync(TestGateway.ChatBody("hello"), apiKey: "k2");
        using var none = await gateway.PostChatAsync(TestGateway.ChatBody("hello"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
    }

    [Fact]
    public async Task A_key_over_its_requests_per_minute_gets_an_openai_429_with_retry_after_and_no_backend_call_while_another_key_goes_on()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string>
        {
            ["AgentHost:Http:ApiKeys:0"] = "team-a",
            ["AgentHost:Http:ApiKeys:1"] = "team-b",
            ["AgentHost:Http:RateLimit:RequestsPerMinute"] = "3",
        });

        for (var i = 0; i < 3; i++)
        {
            using var answer = await gateway.PostChatAsync(TestGateway.ChatBody($"question {i}"), apiKey: "team-a");
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        var calls = gateway.Ollama.Requests.Count;
        using var limited = await gateway.PostChatAsync(TestGateway.ChatBody("one too many"), apiKey: "team-a");
        using var other = await gateway.PostChatAsync(TestGateway.ChatBody("from team b"), apiKey: "team-b");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal("3", limited.Headers.GetValues("x-ratelimit-limit-requests").Single());
        Assert.Equal("0", limited.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        using (var error = JsonDocument.Parse(await limited.Content.ReadAsStringAsync()))
        {
            var body = error.RootElement.GetProperty("error");
            Assert.Equal("rate_limit_exceeded", body.GetProperty("code").GetString());
            Assert.Equal("requests", body.GetProperty("type").GetString());
            Assert.Contains("Try again in", body.GetProperty("message").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(calls + 1, gateway.Ollama.Requests.Count); // team b's call only: the refused one never reached a backend
    }

    [Fact]
    public async Task Without_a_key_the_limit_counts_per_client_address()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string>
        {
            ["AgentHost:Http:RateLimit:RequestsPerMinute"] = "1",
        });

        using var first = await gateway.PostChatAsync(TestGateway.ChatBody("hello"));
        using var second = await gateway.PostChatAsync(TestGateway.ChatBody("hello again"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Contains("this client address", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Tokens_per_minute_refuse_the_call_after_the_one_whose_reported_usage_spent_the_budget()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string>
        {
            ["AgentHost:Http:ApiKey"] = "k",
            ["AgentHost:Http:RateLimit:TokensPerMinute"] = "5",
        });

        using var first = await gateway.PostChatAsync(TestGateway.ChatBody("tell me a few words about the sea, please"), apiKey: "k");
        var firstBody = await first.Content.ReadAsStringAsync();
        using var second = await gateway.PostChatAsync(TestGateway.ChatBody("and the sky?"), apiKey: "k");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using (var json = JsonDocument.Parse(firstBody))
        {
            Assert.True(json.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt32() >= 5); // the emulator reports its counts
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("5", second.Headers.GetValues("x-ratelimit-limit-tokens").Single());
        using var error = JsonDocument.Parse(await second.Content.ReadAsStringAsync());
        Assert.Equal("tokens", error.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task With_redis_the_token_budget_is_kept_in_redis_for_the_fleet()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string>
        {
            ["AgentHost:State:Redis"] = redis.ConnectionString,
            ["AgentHost:Http:ApiKey"] = "k",
            ["AgentHost:Http:RateLimit:TokensPerMinute"] = "5",
        });

        using var first = await gateway.PostChatAsync(TestGateway.ChatBody("tell me a few words about the sea, please"), apiKey: "k");
        using var second = await gateway.PostChatAsync(TestGateway.ChatBody("and the sky?"), apiKey: "k");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        var keys = await redis.CommandAsync("KEYS agent-host:tpm:*");
        Assert.Contains("agent-host:tpm:key:", keys);
        var key = keys.Split("\r\n")[2];
        Assert.InRange(int.Parse((await redis.CommandAsync($"PTTL {key}"))[1..], System.Globalization.CultureInfo.InvariantCulture), 1, 60_000);
    }

    [Fact]
    public async Task A_streamed_answer_s_tokens_count_too()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string>
        {
            ["AgentHost:Http:RateLimit:TokensPerMinute"] = "5",
        });

        using (var first = await gateway.PostChatAsync(TestGateway.ChatBody("tell me a few words about the sea, please", stream: true)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Contains("[DONE]", await first.Content.ReadAsStringAsync());
        }

        using var second = await gateway.PostChatAsync(TestGateway.ChatBody("and the sky?", stream: true));
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
    }

    [Fact]
    public async Task Status_routes_are_not_limited()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string>
        {
            ["AgentHost:Http:RateLimit:RequestsPerMinute"] = "1",
        });

        for (var i = 0; i < 3; i++)
        {
            using var models = await gateway.Client.GetAsync("v1/models");
            using var health = await gateway.Client.GetAsync("health");
            Assert.Equal(HttpStatusCode.OK, models.StatusCode);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
    }

    [Fact]
    public async Task With_redis_lost_each_process_still_limits_on_its_own_and_says_so_once()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string>
        {
            ["AgentHost:State:Redis"] = redis.ConnectionString,
            ["AgentHost:Http:ApiKey"] = "k",
            ["AgentHost:Http:RateLimit:RequestsPerMinute"] = "2",
            ["Logging:LogLevel:AgentHost.Hosting"] = "Information",
        });
        using (var fleet = await gateway.PostChatAsync(TestGateway.ChatBody("counted in redis"), apiKey: "k"))
        {
            Assert.Equal(HttpStatusCode.OK, fleet.StatusCode);
        }

        Assert.Contains("agent-host:rpm:key:", await redis.CommandAsync("KEYS *agent-host:rpm:*")); // RedisRateLimiting names it rl:fw:{agent-host:rpm:key:…}

        await redis.StopAsync();
        await TestGateway.Eventually(() => gateway.Logs.Any(l => l.Contains("is unreachable", StringComparison.Ordinal)));
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var answer = await gateway.PostChatAsync(TestGateway.ChatBody($"local {i}"), apiKey: "k");
            answers.Add(answer.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], answers);
        Assert.Single(gateway.Logs, l => l.Contains("is unreachable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_negative_limit_refuses_to_start_with_one_line()
    {
        var result = await Cli.HostProcess.RunAsync(["serve", "--urls", "http://127.0.0.1:0", "--AgentHost:Http:RateLimit:RequestsPerMinute=-1"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("AgentHost:Http:RateLimit", result.StdErr);
    }

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").GetProperty("code").GetString();
    }
}
