using System.Net;
using System.Text;
using AgentHost.Backends;
using AgentHost.Connectors.Ollama.Tests.TestSupport;
using AgentHost.Emulators.Ollama;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentHost.Connectors.Ollama.Tests.Core;

/// <summary>Every failure comes out of the keyed <see cref="IChatClient"/> as the chain expects, streaming and not.</summary>
public sealed class OllamaErrorTests
{
    private static async Task<(string Text, Exception? Error)> StreamAsync(IChatClient client, string prompt = "tell me a story about a cat", ChatOptions? options = null)
    {
        var text = new StringBuilder();
        try
        {
            await foreach (var update in client.GetStreamingResponseAsync(prompt, options))
            {
                text.Append(update.Text);
            }
        }
        catch (Exception ex)
        {
            return (text.ToString(), ex);
        }

        return (text.ToString(), null);
    }

    [Fact]
    public async Task In_band_error_line_while_streaming_is_an_in_band_failure_with_what_was_streamed()
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.InBandErrorAfterChunks = 2;

        var (text, error) = await StreamAsync(host.Chat);

        var ex = Assert.IsType<BackendResponseException>(error);
        Assert.Equal(BackendResponseProblem.InBandError, ex.Problem);
        Assert.Equal("Ollama", ex.Backend);
        Assert.Contains(OllamaEmulator.RunnerStoppedError, ex.Message);
        Assert.Equal("Ollama: tell me a ", text);
        Assert.Equal(text, ex.PartialText);
        Assert.DoesNotContain("runner", text);
    }

    [Fact]
    public async Task A_runner_failure_before_any_text_of_a_stream_is_a_500_with_ollamas_error_text()
    {
        // Ollama 0.12.6 and later (server/routes.go, streamResponse): nothing written yet, so the status carries the error.
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.InBandErrorAfterChunks = 0;

        var (text, error) = await StreamAsync(host.Chat);

        var ex = Assert.IsType<BackendHttpOperationException>(error);
        Assert.Equal(HttpStatusCode.InternalServerError, ex.StatusCode);
        Assert.Equal(OllamaEmulator.RunnerStoppedError, ex.ServerError);
        Assert.Equal(string.Empty, text);
    }

    [Fact]
    public async Task On_builds_before_0_12_6_a_runner_failure_before_any_text_is_an_in_band_line_with_no_partial_text()
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.Version = new Version(0, 12, 5);
        host.Emulator.InBandErrorAfterChunks = 0;

        var (text, error) = await StreamAsync(host.Chat);

        Assert.Equal(BackendResponseProblem.InBandError, Assert.IsType<BackendResponseException>(error).Problem);
        Assert.Equal(string.Empty, text);
        Assert.Null(((BackendResponseException)error!).PartialText);
    }

    [Fact]
    public async Task A_runner_failure_without_streaming_is_a_500_with_ollamas_error_text()
    {
        // Every build collects a non-streamed answer first and answers the runner's error with 500 {"error"} (writeChatResponse).
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.InBandErrorAfterChunks = 1;

        var ex = await Assert.ThrowsAsync<BackendHttpOperationException>(() => host.Chat.GetResponseAsync("hi there"));

        Assert.Equal(HttpStatusCode.InternalServerError, ex.StatusCode);
        Assert.Equal(OllamaEmulator.RunnerStoppedError, ex.ServerError);
        Assert.Contains(OllamaEmulator.RunnerStoppedError, ex.Message);
    }

    [Fact]
    public async Task Unknown_model_is_404_with_ollamas_text()
    {
        await using var host = await OllamaTestHost.StartAsync();

        var ex = await Assert.ThrowsAsync<BackendHttpOperationException>(() => host.Chat.GetResponseAsync("hi", new ChatOptions { ModelId = "mistral" }));
        var (_, streamError) = await StreamAsync(host.Chat, options: new ChatOptions { ModelId = "mistral" });

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal("model 'mistral' not found", ex.ServerError);
        Assert.Equal("Ollama", ex.Backend);
        Assert.Equal(HttpStatusCode.NotFound, Assert.IsType<BackendHttpOperationException>(streamError).StatusCode);
    }

    [Fact]
    public async Task Status_429_carries_retry_after()
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.Faults.StatusCode = 429;
        host.Emulator.Faults.RetryAfter = TimeSpan.FromSeconds(7);

        var ex = await Assert.ThrowsAsync<BackendHttpOperationException>(() => host.Chat.GetResponseAsync("hi"));
        var (_, streamError) = await StreamAsync(host.Chat);

        Assert.Equal(HttpStatusCode.TooManyRequests, ex.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), ex.RetryAfter);
        Assert.Equal("too many requests", ex.ServerError);
        Assert.Equal(TimeSpan.FromSeconds(7), Assert.IsType<BackendHttpOperationException>(streamError).RetryAfter);
    }

    [Theory]
    [InlineData(500, "llama runner process has terminated: exit status 2")]
    [InlineData(503, "server busy, please try again.  maximum pending requests exceeded")]
    public async Task Server_errors_carry_status_and_text(int status, string text)
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.Faults.StatusCode = status;

        var ex = await Assert.ThrowsAsync<BackendHttpOperationException>(() => host.Chat.GetResponseAsync("hi"));
        var (streamed, streamError) = await StreamAsync(host.Chat);

        Assert.Equal((HttpStatusCode)status, ex.StatusCode);
        Assert.Equal(text, ex.ServerError);
        Assert.Null(ex.RetryAfter);
        Assert.Equal((HttpStatusCode)status, Assert.IsType<BackendHttpOperationException>(streamError).StatusCode);
        Assert.Equal(string.Empty, streamed);
    }

    [Fact]
    public async Task Faults_after_passed_requests_hit_only_later_requests()
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.Faults.PassRequests = 1;
        host.Emulator.Faults.StatusCode = 503;

        var first = await host.Chat.GetResponseAsync("first");
        var ex = await Assert.ThrowsAsync<BackendHttpOperationException>(() => host.Chat.GetResponseAsync("second"));

        Assert.Equal("Ollama: first", first.Text);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.StatusCode);
    }

    [Fact]
    public async Task Malformed_body_is_malformed_streaming_and_not()
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.Faults.MalformedBody = true;

        var ex = await Assert.ThrowsAsync<BackendResponseException>(() => host.Chat.GetResponseAsync("hi"));
        var (text, streamError) = await StreamAsync(host.Chat);

        Assert.Equal(BackendResponseProblem.Malformed, ex.Problem);
        Assert.Equal(BackendResponseProblem.Malformed, Assert.IsType<BackendResponseException>(streamError).Problem);
        Assert.Equal(string.Empty, text);
    }

    [Fact]
    public async Task Dropped_stream_is_truncated_with_what_was_streamed()
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.Faults.DropAfterChunks = 2;

        var (text, error) = await StreamAsync(host.Chat);

        var ex = Assert.IsType<BackendResponseException>(error);
        Assert.Equal(BackendResponseProblem.Truncated, ex.Problem);
        Assert.Equal("Ollama: tell me a ", text);
        Assert.Equal(text, ex.PartialText);
    }

    [Fact]
    public async Task Dropped_non_streaming_body_is_truncated()
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.Faults.DropAfterChunks = 0;

        var ex = await Assert.ThrowsAsync<BackendResponseException>(() => host.Chat.GetResponseAsync("hi"));

        Assert.Equal(BackendResponseProblem.Truncated, ex.Problem);
    }

    [Fact]
    public async Task Hang_ends_with_the_request_timeout()
    {
        await using var host = await OllamaTestHost.StartAsync(o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));
        host.Emulator.Faults.Hang = true;

        var ex = await Assert.ThrowsAsync<TaskCanceledException>(() => host.Chat.GetResponseAsync("hi"));
        var (_, streamError) = await StreamAsync(host.Chat);

        Assert.IsType<TimeoutException>(ex.InnerException);
        Assert.IsType<TimeoutException>(Assert.IsType<TaskCanceledException>(streamError).InnerException);
    }

    [Fact]
    public async Task Slow_first_byte_within_the_timeout_still_answers()
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.Faults.FirstByteDelay = TimeSpan.FromMilliseconds(100);
        host.Emulator.Faults.ChunkDelay = TimeSpan.FromMilliseconds(10);

        var (text, error) = await StreamAsync(host.Chat, "slow but fine");

        Assert.Null(error);
        Assert.Equal("Ollama: slow but fine", text);
    }

    [Fact]
    public async Task Refused_connection_propagates_as_a_connection_error()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        services.AddOllamaChatClient(o => o.Endpoint = AgentHost.Emulators.Hosting.Loopback.RefusingAddress().ToString());
        await using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
        var chat = Microsoft.Extensions.DependencyInjection.ServiceProviderKeyedServiceExtensions.GetRequiredKeyedService<IChatClient>(provider, BackendNames.Ollama);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => chat.GetResponseAsync("hi"));

        Assert.Equal(HttpRequestError.ConnectionError, ex.HttpRequestError);
    }
}
