using System.Net;
using AgentHost.Backends;
using AgentHost.Connectors.Mlx.Tests.Support;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;
using static AgentHost.Connectors.Mlx.Tests.Support.ChatExtensions;

namespace AgentHost.Connectors.Mlx.Tests.Services;

/// <summary>The connector against the exact bytes the servers send (files under <c>TestData/</c>).</summary>
public sealed class MlxRecordedReplyTests
{
    [Fact]
    public async Task Generate_reply_is_read()
    {
        var handler = new RecordedReplyHandler(HttpStatusCode.OK, "generate_response.json");

        var answer = await RecordedReplyHandler.Service(handler).GetChatMessageContentAsync(History("hi"));

        Assert.Equal("Hello from MLX.", answer.Content);
        Assert.Equal("default", answer.ModelId);
        Assert.Equal("http://mlx.test:11435/api/generate", handler.Requests.Single().Request.RequestUri!.ToString());
    }

    [Fact]
    public async Task Generate_stream_with_python_escapes_is_read_one_character_per_update_whatever_the_content_type()
    {
        var handler = new RecordedReplyHandler(HttpStatusCode.OK, "generate_stream.txt", "application/json") { Pieces = ChunkedStream.LineByLine };

        var updates = await RecordedReplyHandler.Service(handler).StreamAllAsync(History("hi"));

        Assert.Equal("Hi, Привет 👋\n\"ok\"", updates.Text());
        Assert.Equal(17, updates.Count);
        Assert.Equal("👋", updates[11].Content);
    }

    [Fact]
    public async Task Generate_stream_cut_before_the_done_line_is_truncated()
    {
        var handler = new RecordedReplyHandler(HttpStatusCode.OK, "generate_stream_cut.txt");

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => RecordedReplyHandler.Service(handler).StreamAllAsync(History("hi")));

        Assert.Equal(BackendResponseProblem.Truncated, e.Problem);
        Assert.Equal("Partial ans", e.PartialText);
    }

    [Fact]
    public async Task Api_chat_reply_with_message_content_is_read()
    {
        var handler = new RecordedReplyHandler(HttpStatusCode.OK, "chat_response.json");

        var answer = await RecordedReplyHandler.Service(handler, o => o.Protocol = MlxProtocol.Chat).GetChatMessageContentAsync(History("hi"));

        Assert.Equal("Hello from chat.", answer.Content);
        Assert.Equal("phi3.5:3.8b", answer.ModelId);
    }

    [Fact]
    public async Task OpenAI_sse_stream_is_read_with_usage()
    {
        var handler = new RecordedReplyHandler(HttpStatusCode.OK, "openai_stream.txt", "text/event-stream");

        var updates = await RecordedReplyHandler.Service(handler, o => o.Protocol = MlxProtocol.OpenAI).StreamAllAsync(History("hi"));

        Assert.Equal("Hello, from mlx_lm.", updates.Text());
        var last = updates.Last().Metadata!;
        Assert.Equal(9, last[MlxMetadataKeys.PromptTokens]);
        Assert.Equal(6, last[MlxMetadataKeys.CompletionTokens]);
        Assert.Equal("stop", last[MlxMetadataKeys.DoneReason]);
    }

    [Theory]
    [InlineData("error_422.json", "body.prompt: field required; body.max_tokens: none is not an allowed value")]
    [InlineData("error_422_pydantic2.json", "body.prompt: Field required; body.max_tokens: Input should be a valid integer, unable to parse string as an integer")]
    public async Task Validation_422_is_summarised_field_by_field(string file, string expected)
    {
        var handler = new RecordedReplyHandler(HttpStatusCode.UnprocessableEntity, file);

        var e = await Assert.ThrowsAsync<BackendHttpOperationException>(() => RecordedReplyHandler.Service(handler).GetChatMessageContentAsync(History("hi")));

        Assert.Equal(expected, e.ServerError);
    }

    [Fact]
    public async Task Overloaded_503_from_the_middleware_reads_the_error_key()
    {
        var handler = new RecordedReplyHandler(HttpStatusCode.ServiceUnavailable, "error_503_overloaded.json")
        {
            Customize = r => r.Headers.Add("Retry-After", "30"),
        };

        var e = await Assert.ThrowsAsync<BackendHttpOperationException>(() => RecordedReplyHandler.Service(handler).StreamAllAsync(History("hi")));

        Assert.Equal("Server overloaded. Waited 300s for slot. Max 5 concurrent requests", e.ServerError);
        Assert.Equal(TimeSpan.FromSeconds(30), e.RetryAfter);
    }

    [Fact]
    public async Task Plain_text_error_body_is_kept_trimmed()
    {
        var handler = new RecordedReplyHandler(HttpStatusCode.InternalServerError, "  Internal Server Error\n", "text/plain", isFile: false);

        var e = await Assert.ThrowsAsync<BackendHttpOperationException>(() => RecordedReplyHandler.Service(handler).GetChatMessageContentAsync(History("hi")));

        Assert.Equal("Internal Server Error", e.ServerError);
        Assert.Equal("Mlx answered 500: Internal Server Error", e.Message);
    }

    [Fact]
    public async Task Json_without_an_answer_field_is_malformed()
    {
        var handler = new RecordedReplyHandler(HttpStatusCode.OK, """{"model":"default","done":true}""", isFile: false);

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => RecordedReplyHandler.Service(handler).GetChatMessageContentAsync(History("hi")));

        Assert.Equal(BackendResponseProblem.Malformed, e.Problem);
    }

    [Fact]
    public async Task Error_line_inside_a_stream_is_an_in_band_error_with_the_partial_text()
    {
        var body = "{\"response\": \"a\", \"done\": false}\n{\"error\": \"model runner stopped\"}\n";
        var handler = new RecordedReplyHandler(HttpStatusCode.OK, body, isFile: false);

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => RecordedReplyHandler.Service(handler).StreamAllAsync(History("hi")));

        Assert.Equal(BackendResponseProblem.InBandError, e.Problem);
        Assert.Equal("a", e.PartialText);
        Assert.Contains("model runner stopped", e.Message);
    }

    [Fact]
    public async Task Endpoint_with_a_path_keeps_it()
    {
        var handler = new RecordedReplyHandler(HttpStatusCode.OK, "generate_response.json");

        await RecordedReplyHandler.Service(handler, o => o.Endpoint = "http://proxy.test/mlx").GetChatMessageContentAsync(History("hi"));

        Assert.Equal("http://proxy.test/mlx/api/generate", handler.Requests.Single().Request.RequestUri!.ToString());
    }
}
