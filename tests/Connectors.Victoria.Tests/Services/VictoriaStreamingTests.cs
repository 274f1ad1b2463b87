using System.Net;
using System.Text;
using AgentHost.Backends;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Connectors.Victoria.Tests.Services;

/// <summary>Streaming: one chunk by default; <c>POST /stream</c> SSE when configured.</summary>
public sealed class VictoriaStreamingTests
{
    private static ChatHistory Ask(string text)
    {
        var history = new ChatHistory();
        history.AddUserMessage(text);
        return history;
    }

    private static async Task<List<StreamingChatMessageContent>> CollectAsync(IChatCompletionService chat, string goal)
    {
        var updates = new List<StreamingChatMessageContent>();
        await foreach (var update in chat.GetStreamingChatMessageContentsAsync(Ask(goal)))
        {
            updates.Add(update);
        }

        return updates;
    }

    private static Task<VictoriaTestHost> StreamHost(Action<AgentHost.Emulators.Victoria.VictoriaEmulator>? emulator = null) =>
        VictoriaTestHost.StartAsync(o => o.UseStreamEndpoint = true, emulator: e =>
        {
            e.StreamRouteEnabled = true;
            emulator?.Invoke(e);
        });

    [Fact]
    public async Task By_default_the_answer_streams_as_one_chunk_once_ready()
    {
        await using var host = await VictoriaTestHost.StartAsync();

        var updates = await CollectAsync(host.Chat, "stream this please");

        var only = Assert.Single(updates);
        Assert.Equal("Victoria: stream this please", only.Content);
        Assert.Equal("success", only.Metadata![VictoriaMetadataKeys.Status]);
        Assert.Equal("/run?async_mode=false", host.Emulator.Requests.Single().PathAndQuery);
    }

    [Fact]
    public async Task Stream_endpoint_sends_chunks_as_text_and_progress_as_textless_updates()
    {
        await using var host = await StreamHost(e => e.Faults.Answer = _ => "one two three four five six seven");

        var updates = await CollectAsync(host.Chat, "go");

        Assert.Equal("/stream", host.Emulator.Requests.Single().PathAndQuery);
        Assert.Equal("go", Assert.Single(host.RunBodies()).GetProperty("goal").GetString());
        var text = updates.Where(u => u.Content is not null).Select(u => u.Content!).ToArray();
        Assert.Equal(["one two three four five ", "six seven "], text);
        var progress = updates.Where(u => u.Content is null).ToArray();
        Assert.Equal(["progress", "step"], progress.Select(u => (string)u.Metadata![VictoriaMetadataKeys.StreamEvent]!));
        Assert.Contains("Victoria Enhanced", (string)progress[1].Metadata![VictoriaMetadataKeys.StreamEventData]!);
        Assert.DoesNotContain(updates, u => u.Content?.Contains("Victoria Enhanced") == true);
    }

    [Fact]
    public async Task Error_event_after_chunks_is_a_cut_with_the_partial_text()
    {
        await using var host = await StreamHost(e =>
        {
            e.Faults.Answer = _ => "one two three four five six seven eight nine ten eleven";
            e.InBodyError = "Ollama connection reset";
            e.StreamErrorAfterChunks = 1;
        });
        var received = new StringBuilder();

        var e = await Assert.ThrowsAsync<BackendResponseException>(async () =>
        {
            await foreach (var update in host.Chat.GetStreamingChatMessageContentsAsync(Ask("go")))
            {
                received.Append(update.Content);
            }
        });

        Assert.Equal(BackendResponseProblem.Truncated, e.Problem);
        Assert.Equal("one two three four five ", e.PartialText);
        Assert.Equal(e.PartialText, received.ToString());
        Assert.Contains("Ollama connection reset", e.Message);
    }

    [Fact]
    public async Task Error_event_before_any_chunk_is_an_in_band_error()
    {
        await using var host = await StreamHost(e => e.InBodyError = "Ошибка");

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => CollectAsync(host.Chat, "go"));

        Assert.Equal(BackendResponseProblem.InBandError, e.Problem);
        Assert.Contains("Ошибка", e.Message);
    }

    [Fact]
    public async Task Connection_dropped_mid_stream_is_a_cut_with_the_partial_text()
    {
        await using var host = await StreamHost(e =>
        {
            e.Faults.Answer = _ => "one two three four five six seven eight nine ten";
            e.Faults.DropAfterChunks = 4; // start, progress, step, first chunk
        });

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => CollectAsync(host.Chat, "go"));

        Assert.Equal(BackendResponseProblem.Truncated, e.Problem);
        Assert.Equal("one two three four five ", e.PartialText);
    }

    [Fact]
    public async Task Stream_route_missing_in_older_builds_is_a_404()
    {
        await using var host = await StreamHost(e => e.StreamRouteEnabled = false);

        var e = await Assert.ThrowsAsync<BackendHttpOperationException>(() => CollectAsync(host.Chat, "go"));

        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
    }

    [Fact]
    public async Task Stream_status_fault_surfaces_the_detail()
    {
        await using var host = await StreamHost(e =>
        {
            e.Faults.StatusCode = 500;
            e.Faults.ErrorMessage = "stream broke";
        });

        var e = await Assert.ThrowsAsync<BackendHttpOperationException>(() => CollectAsync(host.Chat, "go"));

        Assert.Equal("stream broke", e.ServerError);
    }

    [Fact]
    public async Task Recorded_stream_is_read_with_escaped_cyrillic()
    {
        var (service, sent) = RecordedVictoria.Service(StreamOptions(), RecordedVictoria.Reply(HttpStatusCode.OK, "stream_expert.txt", "text/event-stream"));

        var updates = await CollectAsync(service, "Сколько сервисов?");

        Assert.Equal("В проекте 3 сервиса: web, api и worker. ", string.Concat(updates.Select(u => u.Content)));
        Assert.Equal("http://victoria.test:8010/stream", sent.Single().Uri.ToString());
    }

    [Fact]
    public async Task Recorded_error_after_a_chunk_is_a_cut()
    {
        var (service, _) = RecordedVictoria.Service(StreamOptions(), RecordedVictoria.Reply(HttpStatusCode.OK, "stream_error_after_chunk.txt", "text/event-stream"));

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => CollectAsync(service, "go"));

        Assert.Equal(BackendResponseProblem.Truncated, e.Problem);
        Assert.Equal("В проекте 3 сервиса: ", e.PartialText);
    }

    [Fact]
    public async Task A_stream_that_ends_without_end_is_a_cut()
    {
        var recorded = RecordedVictoria.Read("stream_expert.txt").Replace("data: {\"type\": \"end\"}\n\n", string.Empty);
        var reply = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(recorded, Encoding.UTF8, "text/event-stream") };
        var (service, _) = RecordedVictoria.Service(StreamOptions(), reply);

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => CollectAsync(service, "go"));

        Assert.Equal(BackendResponseProblem.Truncated, e.Problem);
        Assert.Equal("В проекте 3 сервиса: web, api и worker. ", e.PartialText);
    }

    [Fact]
    public async Task A_malformed_event_is_reported_as_malformed()
    {
        await using var host = await StreamHost(e => e.Faults.MalformedBody = true);

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => CollectAsync(host.Chat, "go"));

        Assert.Equal(BackendResponseProblem.Malformed, e.Problem);
    }

    private static VictoriaOptions StreamOptions() => new() { Endpoint = "http://victoria.test:8010", UseStreamEndpoint = true };
}
