using System.Net;
using System.Text;
using System.Text.Json;

namespace AgentHost.Tests.Http;

/// <summary>Malformed requests get 400 (or 413) with OpenAI's error body, and the service stays up.</summary>
public sealed class BadRequestTests : IClassFixture<BadRequestTests.Gateway>
{
    private const string User = """{"role":"user","content":"hi"}""";
    private readonly Gateway _gateway;

    private static string W(string extra) => "{\"messages\":[" + User + "]," + extra.Trim() + "}";

    public BadRequestTests(Gateway gateway) => _gateway = gateway;

    /// <summary>The corpus: a bad body and the <c>param</c> the error must name (null when it names none).</summary>
    public static TheoryData<string, string?> Corpus => new()
    {
        { "this is not json", null },
        { "", null },
        { """{"messages": [""", null },
        { "[]", null },
        { "{}", "messages" },
        { """{"messages":"hi"}""", "messages" },
        { """{"messages":[]}""", "messages" },
        { """{"messages":["hi"]}""", "messages[0]" },
        { """{"messages":[{"content":"hi"}]}""", "messages[0].role" },
        { """{"messages":[{"role":"wizard","content":"hi"}]}""", "messages[0].role" },
        { """{"messages":[{"role":"user"}]}""", "messages[0].content" },
        { """{"messages":[{"role":"user","content":42}]}""", "messages[0].content" },
        { """{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x/a.png"}}]}]}""", "messages[0].content[0].type" },
        { """{"messages":[{"role":"tool","content":"18 C"}]}""", "messages[0].tool_call_id" },
        { """{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{not json"}}]}]}""", "messages[0].tool_calls[0].function.arguments" },
        { """{"model":7,"messages":[{"role":"user","content":"hi"}]}""", "model" },
        { W(""" "temperature":"hot" """), "temperature" },
        { W(""" "temperature":5 """), "temperature" },
        { W(""" "top_p":-1 """), "top_p" },
        { W(""" "max_tokens":0 """), "max_tokens" },
        { W(""" "max_completion_tokens":1.5 """), "max_completion_tokens" },
        { W(""" "n":2 """), "n" },
        { W(""" "stream":"yes" """), "stream" },
        { W(""" "stream":true,"stream_options":{"include_usage":"yes"} """), "stream_options.include_usage" },
        { W(""" "stop":[1,2] """), "stop" },
        { W(""" "tools":{"name":"f"} """), "tools" },
        { W(""" "tools":[{"type":"function","function":{}}] """), "tools[0].function.name" },
        { W(""" "tools":[{"type":"retrieval"}] """), "tools[0].type" },
        { W(""" "tool_choice":"required" """), "tool_choice" },
        { W(""" "tool_choice":"sometimes" """), "tool_choice" },
        { W(""" "response_format":{"type":"yaml"} """), "response_format.type" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task A_malformed_request_is_a_400_with_an_openai_error_naming_the_parameter(string body, string? param)
    {
        using var response = await _gateway.Host.PostChatAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("x-agent-backend"));
        var error = await ErrorOf(response);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.True(error.TryGetProperty("code", out _));
        Assert.Equal(0, _gateway.Host.Ollama.GenerationRequests);
    }

    [Fact]
    public async Task After_every_malformed_request_the_service_still_answers()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        var statuses = new List<HttpStatusCode>();
        foreach (var row in Corpus)
        {
            using var bad = await gateway.PostChatAsync((string)row[0]);
            statuses.Add(bad.StatusCode);
        }

        using var good = await gateway.PostChatAsync(TestGateway.ChatBody("still up?"));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.BadRequest, s));
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Contains("Ollama: still up?", await good.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_over_the_limit_is_a_413_with_an_openai_error(bool chunked)
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string> { ["AgentHost:Http:MaxRequestBodyBytes"] = "65536" });
        var body = TestGateway.ChatBody(new string('x', 200_000));
        HttpContent content = chunked
            ? new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)))
            : new StringContent(body, Encoding.UTF8, "application/json");
        if (chunked)
        {
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        // As curl does for large bodies: with Expect: 100-continue the client hears the 413 before it sends the body.
        // Without it, a server that refuses by Content-Length closes the connection on an unread body, and on loopback
        // the reset can overtake the 413 (seen as "response ended prematurely" about once in a few CI runs).
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = content };
        request.Headers.ExpectContinue = true;
        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("request_too_large", error.GetProperty("code").GetString());
        Assert.Contains("65536", error.GetProperty("message").GetString());
        Assert.Equal(0, gateway.Ollama.GenerationRequests);
        using var small = await gateway.PostChatAsync(TestGateway.ChatBody("small"));
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }

    [Fact]
    public async Task An_unknown_v1_route_is_a_404_in_openai_shape()
    {
        using var response = await _gateway.Host.Client.GetAsync("v1/embeddings-nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("unknown_url", (await ErrorOf(response)).GetProperty("code").GetString());
    }

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").Clone();
    }

    /// <summary>One host for the corpus (the requests never reach a backend).</summary>
    public sealed class Gateway : IAsyncLifetime
    {
        public TestGateway Host { get; private set; } = null!;

        public async Task InitializeAsync() => Host = await TestGateway.StartAsync(order: ["Ollama"]);

        public async Task DisposeAsync() => await Host.DisposeAsync();
    }
}
