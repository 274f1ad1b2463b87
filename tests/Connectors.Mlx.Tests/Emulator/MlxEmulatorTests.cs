using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentHost.Connectors.Mlx.Tests.Support;
using AgentHost.Emulators.Mlx;

namespace AgentHost.Connectors.Mlx.Tests.Emulator;

/// <summary>
/// The emulator against the bytes the real server (mlx_api_server.py under Debian's FastAPI 0.92 / pydantic 1.10, with a
/// stand-in for mlx_lm) was seen to send, recorded under <c>TestData/</c> (the same files the connector's recorded-reply
/// tests read), so the connector tests above run against the real shapes. Shapes with no recording are compared with
/// the literal the server's code produces, and say so.
/// </summary>
public sealed class MlxEmulatorTests : IAsyncLifetime
{
    private readonly MlxEmulator _mlx = new();
    private readonly HttpClient _http = new();

    public async Task InitializeAsync()
    {
        await _mlx.StartAsync();
        _http.BaseAddress = _mlx.BaseAddress;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _mlx.DisposeAsync();
    }

    [Fact]
    public async Task Non_streaming_generate_is_the_recorded_reply_with_the_resolved_model()
    {
        _mlx.Faults.Answer = _ => "Hello from MLX.";

        var (status, type, body) = await PostAsync("api/generate", """{"prompt":"sys\n\nhello","model":"nope"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json", type);
        Assert.Equal(Recorded("generate_response.json"), body); // an unknown model answers as "default"
    }

    [Fact]
    public async Task Streaming_generate_is_the_recorded_stream_one_python_json_line_per_character()
    {
        _mlx.Faults.Answer = _ => "Hi, Привет 👋\n\"ok\"";

        var (_, type, body) = await PostAsync("api/generate", """{"prompt":"x","stream":true}""");

        Assert.Equal("application/json", type);
        Assert.Equal(RecordedReplyHandler.Read("generate_stream.txt"), body);
    }

    [Fact]
    public async Task A_dying_generation_is_the_recorded_stream_that_ends_without_its_done_line()
    {
        _mlx.Faults.Answer = _ => "Partial ans";
        _mlx.StreamEndsWithoutDone = true;

        var (_, _, body) = await PostAsync("api/generate", """{"prompt":"x","stream":true}""");

        Assert.Equal(RecordedReplyHandler.Read("generate_stream_cut.txt"), body);
    }

    [Fact]
    public async Task The_rate_limit_is_the_recorded_middleware_429()
    {
        _mlx.Faults.StatusCode = 429;

        var (status, _, body) = await PostAsync("api/generate", """{"prompt":"x"}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal(Recorded("error_429.json"), body);
    }

    [Fact]
    public async Task A_body_missing_its_prompt_gets_the_recorded_422_list()
    {
        var (status, _, body) = await PostAsync("api/generate", """{"model":"fast","max_tokens":null}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(Recorded("error_422.json"), body);
    }

    // No recording of these two: FastAPI 0.92's messages for a non-object body and for values of the wrong type.
    [Theory]
    [InlineData("[1]", """{"detail":[{"loc":["body"],"msg":"value is not a valid dict","type":"type_error.dict"}]}""")]
    [InlineData("""{"prompt":5,"max_tokens":"x","temperature":"hot","stream":"maybe","model":3}""",
        """{"detail":[{"loc":["body","max_tokens"],"msg":"value is not a valid integer","type":"type_error.integer"},{"loc":["body","temperature"],"msg":"value is not a valid float","type":"type_error.float"},{"loc":["body","stream"],"msg":"value could not be parsed to a boolean","type":"type_error.bool"}]}""")]
    public async Task Invalid_bodies_get_fastapis_422_list(string request, string expected)
    {
        var (status, _, body) = await PostAsync("api/generate", request);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(expected, body);
    }

    [Fact]
    public async Task Health_over_85_percent_memory_has_the_recorded_shape_and_says_warning()
    {
        _mlx.MemoryUsedPercent = 88.4;

        var body = JsonNode.Parse(await _http.GetStringAsync("health"))!.AsObject();
        var recorded = JsonNode.Parse(RecordedReplyHandler.Read("health_warning.json"))!.AsObject();

        Assert.Equal(Shape(recorded), Shape(body));
        Assert.Equal(recorded["status"]!.GetValue<string>(), body["status"]!.GetValue<string>());
        Assert.Equal(recorded["warnings"]!.ToJsonString(), body["warnings"]!.ToJsonString());
        Assert.Equal(recorded["memory"]!["used_percent"]!.GetValue<double>(), body["memory"]!["used_percent"]!.GetValue<double>());
    }

    [Fact]
    public async Task Api_chat_is_404_until_enabled_then_answers_in_the_chat_shape()
    {
        const string request = """{"model":"fast","messages":[{"role":"system","content":"s"},{"role":"user","content":"u1"}]}""";

        var (before, _, notFound) = await PostAsync("api/chat", request);
        _mlx.ChatRouteEnabled = true;
        var (after, _, body) = await PostAsync("api/chat", request);

        Assert.Equal(HttpStatusCode.NotFound, before);
        Assert.Equal("""{"detail":"Not Found"}""", notFound);
        Assert.Equal(HttpStatusCode.OK, after);
        Assert.StartsWith("""{"model":"fast","created_at":""", body);
        Assert.EndsWith(""","message":{"role":"assistant","content":"MLX: u1"},"done":true}""", body);
    }

    [Fact]
    public async Task Api_chat_answers_the_recorded_reply_but_for_its_own_time()
    {
        _mlx.ChatRouteEnabled = true;
        _mlx.Faults.Answer = _ => "Hello from chat.";

        var (_, _, body) = await PostAsync("api/chat", """{"model":"phi3.5:3.8b","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(WithoutTime(Recorded("chat_response.json")), WithoutTime(body));
    }

    [Fact]
    public async Task Api_chat_validation_names_missing_model_and_content()
    {
        _mlx.ChatRouteEnabled = true;

        var (_, _, body) = await PostAsync("api/chat", """{"messages":[{"role":"user"}],"stream":true}""");

        Assert.Equal(
            """{"detail":[{"loc":["body","model"],"msg":"field required","type":"value_error.missing"},{"loc":["body","messages",0,"content"],"msg":"field required","type":"value_error.missing"}]}""",
            body);
    }

    [Fact]
    public async Task OpenAI_stream_ends_with_done_event()
    {
        _mlx.OpenAIMode = true;

        var (_, type, body) = await PostAsync("v1/chat/completions", """{"messages":[{"role":"user","content":"a"}],"stream":true}""");

        Assert.Equal("text/event-stream", type);
        Assert.EndsWith("data: [DONE]\n\n", body);
        Assert.Contains("\"finish_reason\":\"stop\"", body);
    }

    [Fact]
    public async Task Tags_and_root_list_the_servers_models()
    {
        var tags = await _http.GetStringAsync("api/tags");
        var root = await _http.GetStringAsync("");

        Assert.StartsWith("""{"models":[{"name":"fast","model":"fast","size":0,"format":"mlx","exists":true}""", tags);
        Assert.Contains("\"status\":\"online\"", root);
        Assert.Contains("\"available_models\":[\"fast\",\"default\",\"tiny\"", root);
    }

    /// <summary>A recorded JSON reply as the server sends it (the file's trailing newline is the editor's, not the server's).</summary>
    private static string Recorded(string file) => RecordedReplyHandler.Read(file).TrimEnd('\n');

    private static string WithoutTime(string json) => Regex.Replace(json, "\"created_at\":\"[^\"]*\"", "\"created_at\":\"…\"");

    /// <summary>Every property path of a JSON object (arrays by their first element), for comparing shapes.</summary>
    private static List<string> Shape(JsonNode? node, string path = "") => node switch
    {
        JsonObject o => [.. o.SelectMany(p => Shape(p.Value, $"{path}.{p.Key}").Prepend($"{path}.{p.Key}")).Order(StringComparer.Ordinal)],
        JsonArray a when a.Count > 0 => Shape(a[0], path + "[]"),
        _ => [],
    };

    private async Task<(HttpStatusCode Status, string? ContentType, string Body)> PostAsync(string path, string json)
    {
        using var response = await _http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }
}
