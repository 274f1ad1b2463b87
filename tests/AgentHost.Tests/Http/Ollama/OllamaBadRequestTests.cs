using System.Net;
using System.Net.Http.Headers;
using System.Text;
using static AgentHost.Tests.Http.Ollama.OllamaHttp;

namespace AgentHost.Tests.Http.Ollama;

/// <summary>Malformed requests to Ollama's routes get Ollama's <c>{"error": "..."}</c> with a 4xx, and the service stays up.</summary>
public sealed class OllamaBadRequestTests : IClassFixture<OllamaBadRequestTests.Gateway>
{
    private const string User = """{"role":"user","content":"hi"}""";
    private readonly Gateway _gateway;

    public OllamaBadRequestTests(Gateway gateway) => _gateway = gateway;

    /// <summary>A route, a bad body, and a piece of the error text.</summary>
    public static TheoryData<string, string, string> Corpus => new()
    {
        { "api/chat", "this is not json", "parse the JSON" },
        { "api/chat", "", "parse the JSON" },
        { "api/chat", "[]", "JSON object" },
        { "api/chat", """{"messages":[]}""", "model is required" },
        { "api/chat", """{"model":"","messages":[]}""", "model is required" },
        { "api/chat", """{"model":7,"messages":[]}""", "model" },
        { "api/chat", """{"model":"agent-host","messages":"hi"}""", "messages" },
        { "api/chat", """{"model":"agent-host","messages":["hi"]}""", "messages[0]" },
        { "api/chat", """{"model":"agent-host","messages":[{"content":"hi"}]}""", "messages[0].role" },
        { "api/chat", """{"model":"agent-host","messages":[{"role":"wizard","content":"hi"}]}""", "messages[0].role" },
        { "api/chat", """{"model":"agent-host","messages":[{"role":"user","content":42}]}""", "messages[0].content" },
        { "api/chat", """{"model":"agent-host","messages":[{"role":"user","content":"hi","images":["aGk="]}]}""", "images" },
        { "api/chat", """{"model":"agent-host","messages":[{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":"{}"}}]}]}""", "arguments" },
        { "api/chat", "{\"model\":\"agent-host\",\"stream\":\"yes\",\"messages\":[" + User + "]}", "stream" },
        { "api/chat", "{\"model\":\"agent-host\",\"options\":\"hot\",\"messages\":[" + User + "]}", "options" },
        { "api/chat", "{\"model\":\"agent-host\",\"options\":{\"temperature\":\"hot\"},\"messages\":[" + User + "]}", "options.temperature" },
        { "api/chat", "{\"model\":\"agent-host\",\"options\":{\"num_predict\":1.5},\"messages\":[" + User + "]}", "options.num_predict" },
        { "api/chat", "{\"model\":\"agent-host\",\"options\":{\"stop\":5},\"messages\":[" + User + "]}", "options.stop" },
        { "api/chat", "{\"model\":\"agent-host\",\"format\":\"xml\",\"messages\":[" + User + "]}", "invalid format" },
        { "api/chat", "{\"model\":\"agent-host\",\"format\":[1],\"messages\":[" + User + "]}", "invalid format" },
        { "api/chat", "{\"model\":\"agent-host\",\"keep_alive\":true,\"messages\":[" + User + "]}", "keep_alive" },
        { "api/chat", "{\"model\":\"agent-host\",\"tools\":{},\"messages\":[" + User + "]}", "tools" },
        { "api/chat", "{\"model\":\"agent-host\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"bad name!\"}}],\"messages\":[" + User + "]}", "tools[0].function.name" },
        { "api/generate", "not json", "parse the JSON" },
        { "api/generate", """{"prompt":"hi"}""", "model is required" },
        { "api/generate", """{"model":"agent-host","prompt":5}""", "prompt" },
        { "api/generate", """{"model":"agent-host","prompt":"hi","system":["x"]}""", "system" },
        { "api/generate", """{"model":"agent-host","prompt":"hi","images":["aGk="]}""", "images" },
        { "api/generate", """{"model":"agent-host","prompt":"hi","suffix":"end"}""", "suffix" },
        { "api/show", "{}", "model is required" },
        { "api/show", "nope", "parse the JSON" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task A_malformed_body_is_a_400_with_ollamas_error_and_the_service_stays_up(string path, string body, string expected)
    {
        using var response = await PostAsync(_gateway.Host, path, body);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, Error(text), StringComparison.OrdinalIgnoreCase);
        using var health = await _gateway.Host.Client.GetAsync("health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Theory]
    [InlineData("api/chat")]
    [InlineData("api/generate")]
    [InlineData("api/show")]
    public async Task An_unknown_model_is_ollamas_404(string path)
    {
        var body = path == "api/generate" ? """{"model":"no-such-model","prompt":"hi"}""" : Chat("hi", model: "no-such-model");

        using var response = await PostAsync(_gateway.Host, path, body);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("model 'no-such-model' not found", Error(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task An_unknown_api_route_and_a_text_body_are_refused_in_ollamas_shape()
    {
        using var unknown = await _gateway.Host.Client.GetAsync("api/nothing-here");
        using var text = await _gateway.Host.Client.PostAsync("api/chat", new StringContent(Chat("hi"), Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("/api/nothing-here", Error(await unknown.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Contains("application/json", Error(await text.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task With_an_api_key_set_a_call_without_it_is_ollamas_401_and_with_it_answers()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string> { ["AgentHost:Http:ApiKey"] = "s3cret" });

        using var without = await PostAsync(gateway, "api/chat", Chat("hi", stream: false));
        using var tags = await gateway.Client.GetAsync("api/tags");
        using var with = await PostAsync(gateway, "api/chat", Chat("hi", stream: false), apiKey: "s3cret");

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Contains("API key", Error(await without.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.Unauthorized, tags.StatusCode);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
    }

    [Fact]
    public async Task The_model_calls_rate_limit_covers_ollamas_chat_and_generate_with_ollamas_429()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string> { ["AgentHost:Http:RateLimit:RequestsPerMinute"] = "2" });

        using var first = await PostAsync(gateway, "api/chat", Chat("one", stream: false));
        using var second = await PostAsync(gateway, "api/generate", """{"model":"agent-host","prompt":"two","stream":false}""");
        using var third = await PostAsync(gateway, "api/chat", Chat("three", stream: false));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Contains("Rate limit", Error(await third.Content.ReadAsStringAsync()));
        Assert.NotNull(third.Headers.RetryAfter);
    }

    /// <summary>One host for the corpus (the emulators are never reached by a refused request).</summary>
    public sealed class Gateway : IAsyncLifetime
    {
        public TestGateway Host { get; private set; } = null!;

        public async Task InitializeAsync() => Host = await TestGateway.StartAsync();

        public async Task DisposeAsync() => await Host.DisposeAsync();
    }
}
