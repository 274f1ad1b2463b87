using System.Net;
using AgentHost.Backends;
using AgentHost.Connectors.Ollama.Tests.TestSupport;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using OllamaSharp;

namespace AgentHost.Connectors.Ollama.Tests.Core;

/// <summary>The connector's pipeline (guard handler → OllamaSharp → guard chat client) over recorded Ollama replies.</summary>
public sealed class RecordedReplyTests
{
    private static IChatClient Client(string file, int status = 200, string contentType = "application/x-ndjson")
    {
        var handler = new OllamaHttpGuardHandler("Ollama", TimeProvider.System, NullLogger.Instance) { InnerHandler = new ReplayHandler(file, status, contentType) };
        var http = new HttpClient(handler) { BaseAddress = new Uri("http://ollama.test:11434/") };
        return new OllamaGuardChatClient(new OllamaApiClient(http, "llama3.2"), "Ollama", new OllamaBackendOptions(), NullLogger.Instance);
    }

    private static async Task<(string Text, Exception? Error)> StreamAsync(IChatClient client)
    {
        var text = new System.Text.StringBuilder();
        try
        {
            await foreach (var update in client.GetStreamingResponseAsync("why is the sky blue?"))
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
    public async Task Recorded_stream_gives_its_text_and_usage()
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in Client("chat_stream_response.ndjson").GetStreamingResponseAsync("why is the sky blue?"))
        {
            updates.Add(update);
        }

        Assert.Equal("The sky is blue.", string.Concat(updates.Select(u => u.Text)));
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>());
        Assert.Equal(26, usage.Details.InputTokenCount);
        Assert.Equal(3, usage.Details.OutputTokenCount);
    }

    [Fact]
    public async Task Recorded_non_streaming_reply_gives_its_text()
    {
        var response = await Client("chat_response.json", contentType: "application/json; charset=utf-8").GetResponseAsync("hi");

        Assert.Equal("Hello! How are you today?", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(298, response.Usage?.OutputTokenCount);
    }

    [Fact]
    public async Task Recorded_tool_call_becomes_a_function_call()
    {
        var response = await Client("chat_tool_call_response.json", contentType: "application/json").GetResponseAsync("weather in Tokyo?");

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Tokyo", call.Arguments?["city"]?.ToString());
    }

    [Fact]
    public async Task Recorded_in_band_error_line_is_a_failure_never_answer_text()
    {
        var (text, error) = await StreamAsync(Client("chat_stream_in_band_error.ndjson"));

        var ex = Assert.IsType<BackendResponseException>(error);
        Assert.Equal(BackendResponseProblem.InBandError, ex.Problem);
        Assert.Contains("model runner has unexpectedly stopped", ex.Message);
        Assert.DoesNotContain("runner", text);
        Assert.Equal(text, ex.PartialText ?? string.Empty);
    }

    [Fact]
    public async Task Recorded_stream_without_done_is_truncated_with_the_partial_text()
    {
        var (text, error) = await StreamAsync(Client("chat_stream_truncated.ndjson"));

        var ex = Assert.IsType<BackendResponseException>(error);
        Assert.Equal(BackendResponseProblem.Truncated, ex.Problem);
        Assert.Equal("The sky", text);
        Assert.Equal("The sky", ex.PartialText);
    }

    [Fact]
    public async Task Recorded_html_body_is_malformed()
    {
        var ex = await Assert.ThrowsAsync<BackendResponseException>(() => Client("chat_response_malformed.txt", contentType: "text/html").GetResponseAsync("hi"));

        Assert.Equal(BackendResponseProblem.Malformed, ex.Problem);
        Assert.Contains("502 Bad Gateway", ex.Message);
    }

    [Fact]
    public async Task Recorded_404_carries_ollamas_error_text()
    {
        var ex = await Assert.ThrowsAsync<BackendHttpOperationException>(() => Client("error_model_not_found.json", 404, "application/json").GetResponseAsync("hi"));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal("model 'mistral' not found", ex.ServerError);
        Assert.Equal("Ollama answered 404: model 'mistral' not found", ex.Message);
    }
}
