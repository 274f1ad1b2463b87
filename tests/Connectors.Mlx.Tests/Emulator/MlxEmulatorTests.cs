using System.Net;
using System.Text;
using AgentHost.Emulators.Mlx;

namespace AgentHost.Connectors.Mlx.Tests.Emulator;

/// <summary>
/// The emulator against bytes the real server (mlx_api_server.py under Debian's FastAPI 0.92 / pydantic 1.10, with a
/// stand-in for mlx_lm) was seen to send, so the connector tests above run against the real shapes.
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
    public async Task Non_streaming_generate_is_compact_json_with_the_resolved_model()
    {
        var (status, type, body) = await PostAsync("api/generate", """{"prompt":"sys\n\nhello","model":"nope"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json", type);
        Assert.Equal("""{"model":"default","response":"MLX: hello","done":true}""", body);
    }

    [Fact]
    public async Task Streaming_generate_sends_one_python_json_line_per_character_as_application_json()
    {
        _mlx.Faults.Answer = _ => "é👋";

        var (_, type, body) = await PostAsync("api/generate", """{"prompt":"x","stream":true}""");

        Assert.Equal("application/json", type);
        Assert.Equal(
            "{\"response\": \"\\u00e9\", \"done\": false}\n{\"response\": \"\\ud83d\\udc4b\", \"done\": false}\n{\"response\": \"\", \"done\": true}\n",
            body);
    }

    [Theory]
    [InlineData("""{"model":"fast","max_tokens":null}""",
        """{"detail":[{"loc":["body","prompt"],"msg":"field required","type":"value_error.missing"},{"loc":["body","max_tokens"],"msg":"none is not an allowed value","type":"type_error.none.not_allowed"}]}""")]
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

    private async Task<(HttpStatusCode Status, string? ContentType, string Body)> PostAsync(string path, string json)
    {
        using var response = await _http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }
}
