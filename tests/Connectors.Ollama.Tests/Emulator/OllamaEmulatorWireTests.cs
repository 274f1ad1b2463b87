using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentHost.Emulators.Ollama;

namespace AgentHost.Connectors.Ollama.Tests.Emulator;

/// <summary>The emulator's raw wire, checked with plain HTTP (what other clients, e.g. Portkey's ollama provider, see).</summary>
public sealed class OllamaEmulatorWireTests : IAsyncLifetime
{
    private readonly OllamaEmulator _emulator = new();
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        await _emulator.StartAsync();
        _http = new HttpClient { BaseAddress = _emulator.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _emulator.DisposeAsync();
    }

    private Task<HttpResponseMessage> PostAsync(string path, string json) =>
        _http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    [Fact]
    public async Task Chat_streams_ndjson_when_stream_is_absent()
    {
        using var response = await PostAsync("api/chat", """{"model":"llama3.2","messages":[{"role":"user","content":"why is the sky blue"}]}""");
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();

        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.True(lines.Count > 2);
        Assert.All(lines[..^1], l => Assert.False(l["done"]!.GetValue<bool>()));
        Assert.Equal("Ollama: why is the sky blue", string.Concat(lines.Select(l => l["message"]!["content"]!.GetValue<string>())));
        var last = lines[^1];
        Assert.True(last["done"]!.GetValue<bool>());
        Assert.Equal("stop", last["done_reason"]!.GetValue<string>());
        foreach (var key in new[] { "total_duration", "load_duration", "prompt_eval_count", "eval_count" })
        {
            Assert.NotNull(last[key]);
        }
    }

    [Fact]
    public async Task Preload_request_answers_done_reason_load()
    {
        using var response = await PostAsync("api/chat", """{"model":"llama3.2","messages":[],"keep_alive":"10m"}""");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal("load", body["done_reason"]!.GetValue<string>());
        Assert.True(body["done"]!.GetValue<bool>());
        Assert.Contains("llama3.2:latest", _emulator.LoadedModels);
    }

    [Fact]
    public async Task Tools_give_a_tool_call_until_a_tool_result_follows()
    {
        const string tools = """[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]""";
        using var first = await PostAsync("api/chat", $$"""{"model":"llama3.2","stream":false,"tools":{{tools}},"messages":[{"role":"user","content":"weather?"}]}""");
        using var second = await PostAsync("api/chat", """{"model":"llama3.2","stream":false,"tools":""" + tools + ""","messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{}}}]},{"role":"tool","content":"11 degrees","tool_name":"get_weather"}]}""");

        var call = JsonNode.Parse(await first.Content.ReadAsStringAsync())!["message"]!["tool_calls"]![0]!["function"]!;
        Assert.Equal("get_weather", call["name"]!.GetValue<string>());
        Assert.Empty(call["arguments"]!.AsObject());
        Assert.Equal("Ollama: weather? (tool result: 11 degrees)", JsonNode.Parse(await second.Content.ReadAsStringAsync())!["message"]!["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenAi_route_answers_in_openai_shape()
    {
        using var response = await PostAsync("v1/chat/completions", """{"model":"llama3.2","messages":[{"role":"user","content":"hello"}]}""");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal("chat.completion", body["object"]!.GetValue<string>());
        Assert.Equal("Ollama: hello", body["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal("stop", body["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.NotNull(body["usage"]!["total_tokens"]);
    }

    [Fact]
    public async Task OpenAi_route_streams_sse_ending_with_done()
    {
        using var response = await PostAsync("v1/chat/completions", """{"model":"llama3.2","stream":true,"messages":[{"role":"user","content":"hello there"}]}""");
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("data: [DONE]", events[^1]);
        var text = string.Concat(events[..^1].Select(e => JsonNode.Parse(e["data: ".Length..])!["choices"]![0]!["delta"]!["content"]!.GetValue<string>()));
        Assert.Equal("Ollama: hello there", text);
    }

    [Fact]
    public async Task OpenAi_route_errors_in_openai_shape_with_retry_after()
    {
        _emulator.Faults.StatusCode = 429;
        _emulator.Faults.RetryAfter = TimeSpan.FromSeconds(3);

        using var response = await PostAsync("v1/chat/completions", """{"model":"llama3.2","messages":[{"role":"user","content":"hello"}]}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter?.Delta);
        Assert.Equal("too many requests", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Embeddings_are_deterministic_and_similar_for_shared_words()
    {
        using var response = await PostAsync("api/embed", """{"model":"nomic-embed-text","input":["the weather in Paris","weather Paris today","compile the C# project"]}""");
        var vectors = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["embeddings"]!.AsArray()
            .Select(v => v!.AsArray().Select(x => x!.GetValue<float>()).ToArray()).ToList();

        static float Cosine(float[] a, float[] b) => a.Zip(b, (x, y) => x * y).Sum();
        Assert.Equal(3, vectors.Count);
        Assert.Equal(HashedEmbedding.Of("the weather in Paris"), vectors[0]);
        Assert.True(Cosine(vectors[0], vectors[1]) > Cosine(vectors[0], vectors[2]));
        Assert.Equal(1f, Cosine(vectors[0], vectors[0]), 3);
    }

    [Fact]
    public async Task Unknown_model_is_404_in_ollamas_words()
    {
        using var response = await PostAsync("api/embed", """{"model":"mistral","input":"x"}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("""{"error":"model 'mistral' not found"}""", await response.Content.ReadAsStringAsync());
    }
}
