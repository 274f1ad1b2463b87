using System.Globalization;
using System.Net;
using System.Text.Json;
using AgentHost.Http;
using static AgentHost.Tests.Http.Ollama.OllamaHttp;

namespace AgentHost.Tests.Http.Ollama;

/// <summary><c>POST /api/chat</c> and <c>/api/generate</c> as an Ollama client sees them: NDJSON by default, whole with <c>stream: false</c>.</summary>
public sealed class OllamaChatTests
{
    [Fact]
    public async Task A_chat_streams_ndjson_lines_then_a_done_line_with_metrics_from_the_backend_that_answered()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Mlx.Faults.StatusCode = 503;
        gateway.Ollama.WordsPerChunk = 1;
        gateway.Ollama.Faults.ChunkDelay = TimeSpan.FromMilliseconds(100); // paced like a model: a burst would rightly be one line

        using var response = await PostAsync(gateway, "api/chat", Chat("hello there friend"));
        var lines = Lines(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Ollama", response.Headers.GetValues("x-agent-backend").Single());
        Assert.NotNull(RouteHeader.Parse(response.Headers.GetValues("x-agent-route").Single()));
        Assert.True(lines.Count >= 3, $"a line per chunk: {lines.Count}");
        Assert.Equal("Ollama: hello there friend", string.Concat(lines.Select(l => l.GetProperty("message").GetProperty("content").GetString())));
        Assert.All(lines[..^1], l => Assert.False(l.GetProperty("done").GetBoolean()));
        var last = lines[^1];
        Assert.True(last.GetProperty("done").GetBoolean());
        Assert.Equal("stop", last.GetProperty("done_reason").GetString());
        Assert.Equal("agent-host", last.GetProperty("model").GetString());
        Assert.Equal("assistant", last.GetProperty("message").GetProperty("role").GetString());
        Assert.True(last.GetProperty("total_duration").GetInt64() > 0);
        Assert.True(last.GetProperty("eval_count").GetInt32() > 0);
        Assert.Equal("Ollama", last.GetProperty("agent_host").GetProperty("backend").GetString());
        Assert.True(DateTimeOffset.TryParseExact(last.GetProperty("created_at").GetString(), "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _));
    }

    [Fact]
    public async Task A_chat_with_stream_false_is_one_json_object_with_the_whole_answer()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);

        using var response = await PostAsync(gateway, "api/chat", Chat("whole please", stream: false));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Ollama: whole please", json.RootElement.GetProperty("message").GetProperty("content").GetString());
        Assert.True(json.RootElement.GetProperty("done").GetBoolean());
        Assert.Equal("stop", json.RootElement.GetProperty("done_reason").GetString());
    }

    [Fact]
    public async Task A_stream_cut_after_content_ends_with_an_error_line_and_never_a_done_line()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama", "Victoria"]);
        gateway.Ollama.Faults.Answer = _ => "one two three four five six";
        gateway.Ollama.WordsPerChunk = 1;
        gateway.Ollama.Faults.DropAfterChunks = 2;

        using var response = await PostAsync(gateway, "api/chat", Chat("cut"));
        var lines = Lines(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var error = lines[^1].GetProperty("error").GetString();
        Assert.Contains("Ollama", error);
        Assert.DoesNotContain(lines, l => l.TryGetProperty("done", out var done) && done.GetBoolean());
        Assert.StartsWith("one", string.Concat(lines[..^1].Select(l => l.GetProperty("message").GetProperty("content").GetString())));
    }

    [Fact]
    public async Task Options_format_and_keep_alive_reach_the_ollama_backend()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        var schema = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""";

        using var response = await PostAsync(gateway, "api/chat", Chat("json please", stream: false,
            extra: "\"options\":{\"temperature\":0.25,\"top_p\":0.5,\"num_predict\":42,\"seed\":7,\"stop\":[\"END\"]},\"format\":" + schema + ",\"keep_alive\":\"10m\""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = LastChatRequest(gateway);
        Assert.Equal("10m", sent.GetProperty("keep_alive").GetString());
        var options = sent.GetProperty("options");
        Assert.Equal(0.25, options.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(0.5, options.GetProperty("top_p").GetDouble(), 3);
        Assert.Equal(42, options.GetProperty("num_predict").GetInt32());
        Assert.Equal(7, options.GetProperty("seed").GetInt32());
        Assert.Equal("END", options.GetProperty("stop")[0].GetString());
        Assert.Equal("city", sent.GetProperty("format").GetProperty("required")[0].GetString());
    }

    [Fact]
    public async Task A_keep_alive_in_seconds_goes_on_as_a_duration_and_format_json_as_json()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);

        using var response = await PostAsync(gateway, "api/chat", Chat("json", stream: false, extra: "\"keep_alive\":300,\"format\":\"json\""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = LastChatRequest(gateway);
        Assert.Equal("300s", sent.GetProperty("keep_alive").GetString());
        Assert.Equal("json", sent.GetProperty("format").GetString());
    }

    [Fact]
    public async Task A_callers_keep_alive_wins_over_the_configured_one_for_that_call()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string> { ["AgentHost:Backends:Ollama:KeepAlive"] = "00:30:00" });

        using var own = await PostAsync(gateway, "api/chat", Chat("mine", stream: false, extra: "\"keep_alive\":\"-1\""));
        var sentOwn = LastChatRequest(gateway);
        using var configured = await PostAsync(gateway, "api/chat", Chat("configured", stream: false));
        var sentConfigured = LastChatRequest(gateway);

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal("-1", sentOwn.GetProperty("keep_alive").GetString());
        Assert.Equal("1800s", sentConfigured.GetProperty("keep_alive").GetString());
    }

    [Fact]
    public async Task Tools_go_to_a_backend_that_takes_them_and_its_tool_calls_come_back_with_object_arguments()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Mlx", "Ollama"]);
        var tools = """ "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}] """;

        using var response = await PostAsync(gateway, "api/chat", Chat("weather in Paris?", stream: false, extra: tools));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Ollama", response.Headers.GetValues("x-agent-backend").Single());
        var call = json.RootElement.GetProperty("message").GetProperty("tool_calls")[0].GetProperty("function");
        Assert.Equal("get_weather", call.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Object, call.GetProperty("arguments").ValueKind);
    }

    [Fact]
    public async Task A_tool_result_answers_the_assistant_call_and_the_backend_gets_the_whole_exchange()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        var body = """
            {"model":"agent-host","stream":false,"messages":[
              {"role":"user","content":"weather in Paris?"},
              {"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Paris"}}}]},
              {"role":"tool","tool_name":"get_weather","content":"18 C and sunny"}],
             "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}
            """;

        using var response = await PostAsync(gateway, "api/chat", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var messages = LastChatRequest(gateway).GetProperty("messages");
        Assert.Equal("Paris", messages[1].GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetProperty("city").GetString());
        Assert.Equal("tool", messages[2].GetProperty("role").GetString());
        Assert.Contains("18 C and sunny", messages[2].GetProperty("content").GetString()); // OllamaSharp sends the result as its JSON
    }

    [Fact]
    public async Task Generate_answers_a_prompt_with_its_system_message_as_response_lines()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);

        using var whole = await PostAsync(gateway, "api/generate", """{"model":"agent-host","prompt":"hello gen","system":"Be brief.","stream":false}""");
        using var json = JsonDocument.Parse(await whole.Content.ReadAsStringAsync());
        using var streamed = await PostAsync(gateway, "api/generate", """{"model":"agent-host","prompt":"hello stream"}""");
        var lines = Lines(await streamed.Content.ReadAsStringAsync());

        Assert.Equal("Ollama: hello gen", json.RootElement.GetProperty("response").GetString());
        Assert.True(json.RootElement.GetProperty("done").GetBoolean());
        var messages = LastChatRequest(gateway).GetProperty("messages");
        Assert.Contains(gateway.Ollama.Requests, r => r.Body.Contains("Be brief.", StringComparison.Ordinal));
        Assert.Equal("Ollama: hello stream", string.Concat(lines.Select(l => l.GetProperty("response").GetString())));
        Assert.True(lines[^1].GetProperty("done").GetBoolean());
        Assert.Equal("user", messages[messages.GetArrayLength() - 1].GetProperty("role").GetString());
    }

    [Fact]
    public async Task No_messages_or_prompt_is_a_load_answered_without_a_model_call()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);

        using var chat = await PostAsync(gateway, "api/chat", """{"model":"agent-host","messages":[]}""");
        using var generate = await PostAsync(gateway, "api/generate", """{"model":"llama3.2"}""");
        using var chatJson = JsonDocument.Parse(await chat.Content.ReadAsStringAsync());
        using var generateJson = JsonDocument.Parse(await generate.Content.ReadAsStringAsync());

        Assert.Equal("load", chatJson.RootElement.GetProperty("done_reason").GetString());
        Assert.Equal("load", generateJson.RootElement.GetProperty("done_reason").GetString());
        Assert.Equal("llama3.2", generateJson.RootElement.GetProperty("model").GetString());
        Assert.Equal(0, gateway.Ollama.GenerationRequests);
    }

    [Fact]
    public async Task Every_backend_failing_is_an_ollama_shaped_502_before_any_line()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Mlx", "Ollama"]);
        gateway.Mlx.Faults.StatusCode = 503;
        gateway.Ollama.Faults.StatusCode = 500;

        using var response = await PostAsync(gateway, "api/chat", Chat("nobody home"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.StartsWith("No backend answered", Error(await response.Content.ReadAsStringAsync()));
    }
}
