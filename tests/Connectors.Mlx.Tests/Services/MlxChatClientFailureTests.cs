using System.Net;
using AgentHost.Backends;
using AgentHost.Connectors.Mlx.Tests.Support;
using AgentHost.Emulators.Hosting;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;
using static AgentHost.Connectors.Mlx.Tests.Support.ChatExtensions;

namespace AgentHost.Connectors.Mlx.Tests.Services;

/// <summary>Every way the server fails, as the caller sees it: typed, with the server's words, never a silent answer.</summary>
public sealed class MlxChatClientFailureTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Rate_limit_429_carries_the_middleware_error_text_and_no_retry_after(bool stream)
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.Faults.StatusCode = 429);

        var e = await Assert.ThrowsAsync<BackendHttpOperationException>(() => CallAsync(mlx, stream));

        Assert.Equal(HttpStatusCode.TooManyRequests, e.StatusCode);
        Assert.Equal("Rate limit exceeded. Max 500 requests per 90 seconds", e.ServerError);
        Assert.Null(e.RetryAfter);
        Assert.Equal(BackendNames.Mlx, e.Backend);
        Assert.Contains("Rate limit exceeded", e.Message);
    }

    [Fact]
    public async Task Retry_after_is_preserved_when_a_build_sends_one()
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e =>
        {
            e.Faults.StatusCode = 429;
            e.Faults.RetryAfter = TimeSpan.FromSeconds(7);
        });

        var e = await Assert.ThrowsAsync<BackendHttpOperationException>(() => CallAsync(mlx, stream: false));

        Assert.Equal(TimeSpan.FromSeconds(7), e.RetryAfter);
    }

    [Theory]
    [InlineData(503, false, "Queue is full. Please try again later.")]
    [InlineData(503, true, "Queue is full. Please try again later.")]
    [InlineData(504, false, "Generation timeout (limit 97s for this model and max_tokens)")]
    [InlineData(500, false, "Generation failed: Model default not found at /Users/mlx/mlx-models/phi3.5-mini-4k")]
    public async Task Server_errors_carry_the_fastapi_detail_text(int status, bool stream, string detail)
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.Faults.StatusCode = status);

        var e = await Assert.ThrowsAsync<BackendHttpOperationException>(() => CallAsync(mlx, stream));

        Assert.Equal(status, (int)e.StatusCode!);
        Assert.Equal(detail, e.ServerError);
        Assert.Contains(detail, e.ResponseContent);
    }

    [Theory]
    [InlineData(504, "Request timeout while waiting in queue (limit 97s for this model)")]
    [InlineData(500, "Generation failed: Model default not found at /Users/mlx/mlx-models/phi3.5-mini-4k")]
    public async Task A_stream_the_server_cannot_begin_is_refused_with_its_status_and_detail(int status, string detail)
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e =>
        {
            e.Faults.StatusCode = status;
            e.FailStreamsBeforeTheyStart = true;
        });

        var e = await Assert.ThrowsAsync<BackendHttpOperationException>(() => CallAsync(mlx, stream: true));

        Assert.Equal(status, (int)e.StatusCode!);
        Assert.Equal(detail, e.ServerError);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(504)]
    public async Task A_generation_that_fails_under_a_stream_is_a_cut_after_the_200_headers_not_an_answer(int status)
    {
        // mlx_api_server.py answers stream: true with StreamingResponse (200 headers) before generating: a failure then cuts the body.
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.Faults.StatusCode = status);
        var received = new List<string?>();

        var e = await Record.ExceptionAsync(async () =>
        {
            await foreach (var update in mlx.Chat.GetStreamingChatMessageContentsAsync(History("cut")))
            {
                received.Add(update.Content);
            }
        });

        Assert.True(e is HttpRequestException or IOException or BackendResponseException, $"expected a cut, got {e?.ToString() ?? "an answer"}");
        Assert.False(e is BackendHttpOperationException, $"a cut is not a status: {e}");
        Assert.Equal("", string.Concat(received));
    }

    [Fact]
    public async Task Chat_protocol_against_an_older_build_is_a_404_not_an_answer()
    {
        await using var mlx = await MlxBackend.StartAsync(o => o.Protocol = MlxProtocol.Chat);

        var e = await Assert.ThrowsAsync<BackendHttpOperationException>(() => CallAsync(mlx, stream: false));

        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
        Assert.Equal("Not Found", e.ServerError);
    }

    [Fact]
    public async Task Stream_that_ends_without_the_done_line_is_a_cut_with_the_partial_text()
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.StreamEndsWithoutDone = true);
        var received = new List<string?>();

        var e = await Assert.ThrowsAsync<BackendResponseException>(async () =>
        {
            await foreach (var update in mlx.Chat.GetStreamingChatMessageContentsAsync(History("cut")))
            {
                received.Add(update.Content);
            }
        });

        Assert.Equal(BackendResponseProblem.Truncated, e.Problem);
        Assert.Equal("MLX: cut", e.PartialText);
        Assert.Equal("MLX: cut", string.Concat(received));
    }

    [Fact]
    public async Task OpenAI_stream_without_done_is_a_cut()
    {
        await using var mlx = await MlxBackend.StartAsync(o => o.Protocol = MlxProtocol.OpenAI, e =>
        {
            e.OpenAIMode = true;
            e.StreamEndsWithoutDone = true;
        });

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => mlx.Chat.StreamAllAsync(History("a b")));

        Assert.Equal(BackendResponseProblem.Truncated, e.Problem);
        Assert.Equal("MLX: a b", e.PartialText);
    }

    [Fact]
    public async Task Dropped_connection_mid_stream_propagates_as_a_connection_error()
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.Faults.DropAfterChunks = 3);
        var received = new List<string?>();

        var e = await Record.ExceptionAsync(async () =>
        {
            await foreach (var update in mlx.Chat.GetStreamingChatMessageContentsAsync(History("dropped")))
            {
                received.Add(update.Content);
            }
        });

        Assert.True(e is HttpRequestException or IOException, $"expected a connection error, got {e}");
        // The emulator's cut lets the bytes it sent reach the client before the reset: exactly the three chunks arrive.
        Assert.Equal("MLX", string.Concat(received));
    }

    [Fact]
    public async Task Generation_failure_after_the_stream_headers_is_a_connection_error_with_nothing_streamed()
    {
        // The real server sends 200 and its headers before generating; when generation then fails it closes the
        // chunked body unfinished.
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.Faults.DropAfterChunks = 0);
        var received = new List<string?>();

        var e = await Record.ExceptionAsync(async () =>
        {
            await foreach (var update in mlx.Chat.GetStreamingChatMessageContentsAsync(History("x")))
            {
                received.Add(update.Content);
            }
        });

        Assert.True(e is HttpRequestException or IOException, $"expected a connection error, got {e}");
        Assert.Empty(received);
    }

    [Fact]
    public async Task Dropped_connection_mid_body_propagates_as_a_connection_error()
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.Faults.DropAfterChunks = 0);

        var e = await Record.ExceptionAsync(() => CallAsync(mlx, stream: false));

        Assert.True(e is HttpRequestException or IOException, $"expected a connection error, got {e}");
    }

    [Fact]
    public async Task Refused_connection_propagates()
    {
        await using var mlx = await MlxBackend.StartAsync(o => o.Endpoint = Loopback.RefusingAddress().ToString());

        await Assert.ThrowsAsync<HttpRequestException>(() => CallAsync(mlx, stream: false));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Malformed_body_is_reported_as_malformed(bool stream)
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.Faults.MalformedBody = true);

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => CallAsync(mlx, stream));

        Assert.Equal(BackendResponseProblem.Malformed, e.Problem);
        Assert.Contains("unexpected", e.Message);
    }

    [Theory]
    [InlineData(false, "")]
    [InlineData(true, "")]
    [InlineData(false, " \n ")]
    [InlineData(true, " \n ")]
    public async Task Empty_answer_is_reported_as_empty_and_nothing_is_streamed(bool stream, string answer)
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.Faults.Answer = _ => answer);
        var received = new List<string?>();

        var e = await Assert.ThrowsAsync<BackendResponseException>(async () =>
        {
            if (!stream)
            {
                await mlx.Chat.GetChatMessageContentAsync(History("x"));
                return;
            }

            await foreach (var update in mlx.Chat.GetStreamingChatMessageContentsAsync(History("x")))
            {
                received.Add(update.Content);
            }
        });

        Assert.Equal(BackendResponseProblem.Empty, e.Problem);
        Assert.Empty(received);
    }

    [Fact]
    public async Task Leading_whitespace_is_held_until_text_arrives_then_streamed_with_it()
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e =>
        {
            e.Faults.Answer = _ => "  ok";
            e.Faults.ChunkDelay = MlxBackend.LinePace;
        });

        var updates = await mlx.Chat.StreamAllAsync(History("x"));

        Assert.Equal(["  o", "k"], updates.Select(u => u.Content));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cancellation_by_the_caller_surfaces_as_cancellation(bool stream)
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.Faults.Hang = true);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CallAsync(mlx, stream, cts.Token));
        Assert.True(cts.IsCancellationRequested);
    }

    [Fact]
    public async Task Request_timeout_from_options_bounds_a_hanging_generation()
    {
        await using var mlx = await MlxBackend.StartAsync(o => o.RequestTimeout = TimeSpan.FromMilliseconds(300), e => e.Faults.Hang = true);

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CallAsync(mlx, stream: false));

        Assert.IsType<TimeoutException>(e.InnerException);
    }

    [Fact]
    public async Task Unknown_category_in_settings_is_a_caller_error_before_any_request()
    {
        await using var mlx = await MlxBackend.StartAsync();

        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            mlx.Chat.GetChatMessageContentAsync(History("x"), new MlxPromptExecutionSettings { Category = "huge" }));

        Assert.Contains("huge", e.Message);
        Assert.Equal(0, mlx.Emulator.GenerationRequests);
    }

    [Fact]
    public async Task Faults_after_passed_requests_apply_only_to_later_calls()
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e =>
        {
            e.Faults.PassRequests = 1;
            e.Faults.StatusCode = 503;
        });

        Assert.Equal("MLX: x", (await mlx.Chat.GetChatMessageContentAsync(History("x"))).Content);
        await Assert.ThrowsAsync<BackendHttpOperationException>(() => CallAsync(mlx, stream: false));
    }

    private static async Task CallAsync(MlxBackend mlx, bool stream, CancellationToken cancellationToken = default)
    {
        if (stream)
        {
            await mlx.Chat.StreamAllAsync(History("x"), cancellationToken: cancellationToken);
        }
        else
        {
            await mlx.Chat.GetChatMessageContentsAsync(History("x"), cancellationToken: cancellationToken);
        }
    }
}
