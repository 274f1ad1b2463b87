using System.Text.Json;
using AgentHost.Emulators.Ollama;
using AgentHost.Tests.Http;

namespace AgentHost.Tests.OllamaJs;

/// <summary>The official Ollama JavaScript client (ollama-js), pointed at the host, works unchanged.</summary>
public sealed class OllamaJsTests
{
    [Fact]
    public async Task Ollama_js_lists_the_routes_and_served_models()
    {
        await using var gateway = await TestGateway.StartAsync();

        var result = await OllamaJsDriver.RunAsync(gateway.BaseAddress, "list");

        var names = Names(result.GetProperty("names"));
        Assert.Equal("agent-host", names[0]);
        Assert.Contains("default", names);
        Assert.Contains("local", names);
        Assert.Contains(names, n => n.StartsWith("llama3.2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ollama_js_chats_and_sees_the_failover_from_mlx_to_ollama()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Mlx.Faults.StatusCode = 503;

        var result = await OllamaJsDriver.RunAsync(gateway.BaseAddress, "chat");

        Assert.Equal("Ollama: hello js", result.GetProperty("content").GetString());
        Assert.Equal("assistant", result.GetProperty("role").GetString());
        Assert.True(result.GetProperty("done").GetBoolean());
        Assert.Equal("stop", result.GetProperty("done_reason").GetString());
        Assert.Equal("Ollama", result.GetProperty("backend").GetString());
        Assert.Equal(1, gateway.Mlx.GenerationRequests);
    }

    [Fact]
    public async Task Ollama_js_streams_a_chat_piece_by_piece_to_a_done_line()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        gateway.Ollama.Faults.Answer = _ => "streaming through the official client works";
        gateway.Ollama.Faults.ChunkDelay = TimeSpan.FromMilliseconds(100);
        gateway.Ollama.WordsPerChunk = 1;

        var result = await OllamaJsDriver.RunAsync(gateway.BaseAddress, "chat-stream");

        var parts = Names(result.GetProperty("parts"));
        Assert.Equal("streaming through the official client works", string.Concat(parts));
        Assert.True(parts.Count(p => p.Length > 0) >= 3, $"several pieces, not one: {string.Join("|", parts)}");
        Assert.True(result.GetProperty("done").GetBoolean());
        Assert.Equal("stop", result.GetProperty("done_reason").GetString());
        Assert.True(result.GetProperty("eval_count").GetInt32() > 0);
    }

    [Fact]
    public async Task Ollama_js_generates_whole_and_streamed()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);

        var whole = await OllamaJsDriver.RunAsync(gateway.BaseAddress, "generate");
        var streamed = await OllamaJsDriver.RunAsync(gateway.BaseAddress, "generate-stream");

        Assert.Equal("Ollama: hello generate", whole.GetProperty("response").GetString());
        Assert.True(whole.GetProperty("done").GetBoolean());
        Assert.Equal("Ollama: stream generate", string.Concat(Names(streamed.GetProperty("parts"))));
        Assert.True(streamed.GetProperty("done").GetBoolean());
    }

    [Fact]
    public async Task Ollama_js_gets_tool_calls_with_object_arguments()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Mlx", "Ollama"]);

        var result = await OllamaJsDriver.RunAsync(gateway.BaseAddress, "chat-tools");

        var call = Assert.Single(result.GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Object, call.GetProperty("function").GetProperty("arguments").ValueKind);
    }

    [Fact]
    public async Task Ollama_js_raises_the_error_line_of_a_stream_cut_midway()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama", "Victoria"]);
        gateway.Ollama.Faults.Answer = _ => "one two three four five six seven eight";
        gateway.Ollama.Faults.ChunkDelay = TimeSpan.FromMilliseconds(50);
        gateway.Ollama.WordsPerChunk = 1;
        gateway.Ollama.Faults.DropAfterChunks = 3;

        var result = await OllamaJsDriver.RunAsync(gateway.BaseAddress, "cut");

        Assert.False(result.TryGetProperty("done", out _), $"no done after a cut: {result}");
        var thrown = result.GetProperty("thrown");
        Assert.Equal("Error", thrown.GetProperty("name").GetString());
        var message = thrown.GetProperty("message").GetString()!;
        Assert.Contains("Ollama", message);
        Assert.Matches(@"^Ollama stopped after streaming \d+ characters: ", message);
        Assert.StartsWith("one", string.Concat(Names(result.GetProperty("parts"))));
    }

    [Fact]
    public async Task Ollama_js_raises_a_response_error_with_ollamas_404_for_an_unknown_model()
    {
        await using var gateway = await TestGateway.StartAsync();

        var result = await OllamaJsDriver.RunAsync(gateway.BaseAddress, "chat", model: "no-such-model");

        var thrown = result.GetProperty("thrown");
        Assert.Equal("ResponseError", thrown.GetProperty("name").GetString());
        Assert.Equal(404, thrown.GetProperty("status_code").GetInt32());
        Assert.Equal("model 'no-such-model' not found", thrown.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Ollama_js_sends_the_api_key_as_a_header_and_is_refused_without_it()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string> { ["AgentHost:Http:ApiKey"] = "s3cret" });

        var refused = await OllamaJsDriver.RunAsync(gateway.BaseAddress, "chat");
        var answered = await OllamaJsDriver.RunAsync(gateway.BaseAddress, "chat", apiKey: "s3cret");

        Assert.Equal(401, refused.GetProperty("thrown").GetProperty("status_code").GetInt32());
        Assert.Equal("Ollama: hello js", answered.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Ollama_js_embeds_through_the_chain_and_fails_over_from_mlx_to_ollama()
    {
        var settings = new Dictionary<string, string> { ["AgentHost:Backends:Mlx:Embeddings:Path"] = "/v1/embeddings" };
        await using var gateway = await TestGateway.StartAsync(settings: settings);
        gateway.Mlx.EmbeddingsEnabled = true;
        gateway.Mlx.Faults.StatusCode = 503;

        var result = await OllamaJsDriver.RunAsync(gateway.BaseAddress, "embed");

        Assert.False(result.TryGetProperty("thrown", out var thrown), $"embed threw: {thrown}");
        Assert.Equal(2, result.GetProperty("count").GetInt32());
        var vectors = result.GetProperty("embeddings").EnumerateArray().Select(v => v.EnumerateArray().Select(x => x.GetSingle()).ToArray()).ToList();
        Assert.Equal(HashedEmbedding.Of("hello"), vectors[0]); // the Ollama emulator's vectors: MLX's 503 was failed over
        Assert.Equal(HashedEmbedding.Of("world"), vectors[1]);
    }

    private static List<string> Names(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString() ?? "")];
}
