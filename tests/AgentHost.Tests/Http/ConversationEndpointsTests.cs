using System.Net;
using System.Text.Json;
using AgentHost.Http;

namespace AgentHost.Tests.Http;

/// <summary>
/// Stored conversations over HTTP: a chat request with <c>x-agent-conversation</c> appends its turn (complete,
/// interrupted or failed), <c>/v1/conversations</c> lists, reads and deletes them, and a store failure never fails an answer.
/// </summary>
public sealed class ConversationEndpointsTests
{
    [Fact]
    public async Task A_turn_with_the_header_is_stored_with_backend_and_model_and_the_routes_list_get_and_delete_it()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama", "Mlx"]);

        using (var answer = await ConversationsHttp.PostChatAsync(gateway.Client, "trip-1", TestGateway.ChatBody("plan a trip to Lisbon")))
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.False(answer.Headers.Contains(ConversationRecorder.ErrorHeader));
        }

        // A streamed turn: the whole conversation goes to the backend, as OpenAI clients send it; only the last user message is recorded.
        var second = """{"messages":[{"role":"user","content":"plan a trip to Lisbon"},{"role":"assistant","content":"Ollama: plan a trip to Lisbon"},{"role":"user","content":"and Porto?"}],"stream":true}""";
        string model;
        using (var answer = await ConversationsHttp.PostChatAsync(gateway.Client, "trip-1", second))
        {
            var data = TestGateway.SseData(await answer.Content.ReadAsStringAsync());
            Assert.Equal("Ollama: and Porto?", TestGateway.StreamedText(data));
            model = JsonDocument.Parse(data[0]).RootElement.GetProperty("agent_host").GetProperty("model").GetString()!;
        }

        using (var other = await ConversationsHttp.PostChatAsync(gateway.Client, "other:2", TestGateway.ChatBody("something else")))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        var conversation = (await ConversationsHttp.GetAsync(gateway.Client, "trip-1"))!.Value;
        Assert.Equal("plan a trip to Lisbon", conversation.GetProperty("title").GetString());
        Assert.Equal(
            ["user: plan a trip to Lisbon [complete]", "assistant: Ollama: plan a trip to Lisbon [complete]", "user: and Porto? [complete]", "assistant: Ollama: and Porto? [complete]"],
            ConversationsHttp.Lines(conversation));
        var last = conversation.GetProperty("messages")[3];
        Assert.Equal("Ollama", last.GetProperty("backend").GetString());
        Assert.Equal(model, last.GetProperty("model").GetString());
        Assert.False(string.IsNullOrEmpty(model));
        Assert.True(last.GetProperty("created_at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));

        using (var list = JsonDocument.Parse(await gateway.Client.GetStringAsync("v1/conversations")))
        {
            var data = list.RootElement.GetProperty("data").EnumerateArray().ToList();
            Assert.Equal(["other:2", "trip-1"], data.Select(c => c.GetProperty("id").GetString()));
            Assert.Equal(2, data[1].GetProperty("turns").GetInt32());
            Assert.Equal("plan a trip to Lisbon", data[1].GetProperty("title").GetString());
            Assert.True(data[0].GetProperty("updated_at").GetDateTimeOffset() >= data[1].GetProperty("updated_at").GetDateTimeOffset());
        }

        using (var deleted = await gateway.Client.DeleteAsync("v1/conversations/trip-1"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        Assert.Null(await ConversationsHttp.GetAsync(gateway.Client, "trip-1"));
        using var again = await gateway.Client.DeleteAsync("v1/conversations/trip-1");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("conversation_not_found", JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(["other:2"], JsonDocument.Parse(await gateway.Client.GetStringAsync("v1/conversations")).RootElement.GetProperty("data")
            .EnumerateArray().Select(c => c.GetProperty("id").GetString()));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    [InlineData("")]
    [InlineData("star*")]
    public async Task A_chat_request_with_a_bad_conversation_id_is_a_400_and_no_backend_is_asked(string id)
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);

        using var response = await ConversationsHttp.PostChatAsync(gateway.Client, id, TestGateway.ChatBody("hi"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("invalid_conversation_id", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(0, gateway.Ollama.GenerationRequests);
    }

    [Fact]
    public async Task Bad_ids_in_the_routes_are_400_and_unknown_ones_404()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);

        foreach (var bad in new[] { "bad%20id", new string('a', 129), "semi%3Bcolon" })
        {
            using var get = await gateway.Client.GetAsync($"v1/conversations/{bad}");
            Assert.Equal(HttpStatusCode.BadRequest, get.StatusCode);
            using var delete = await gateway.Client.DeleteAsync($"v1/conversations/{bad}");
            Assert.Equal(HttpStatusCode.BadRequest, delete.StatusCode);
        }

        using var longest = await gateway.Client.GetAsync($"v1/conversations/{new string('a', 128)}");
        Assert.Equal(HttpStatusCode.NotFound, longest.StatusCode);
        using var unknown = await gateway.Client.GetAsync("v1/conversations/nobody");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("conversation_not_found", JsonDocument.Parse(await unknown.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_stream_cut_midway_is_stored_as_interrupted_with_the_text_that_was_streamed()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama", "Mlx"]);
        gateway.Ollama.Faults.Answer = _ => "one two three four five six seven eight";
        gateway.Ollama.Faults.DropAfterChunks = 2; // the connection drops after "one two three four "

        using var response = await ConversationsHttp.PostChatAsync(gateway.Client, "cut", TestGateway.ChatBody("count", stream: true));
        var data = TestGateway.SseData(await response.Content.ReadAsStringAsync());
        var streamed = TestGateway.StreamedText(data);
        Assert.Contains(data, d => d.Contains("backend_stream_interrupted", StringComparison.Ordinal));
        Assert.NotEqual("[DONE]", data[^1]);

        var conversation = (await ConversationsHttp.GetAsync(gateway.Client, "cut"))!.Value;
        var answer = conversation.GetProperty("messages")[1];
        Assert.Equal("interrupted", answer.GetProperty("status").GetString());
        Assert.Equal(streamed, answer.GetProperty("content").GetString());
        Assert.StartsWith("one two", streamed, StringComparison.Ordinal);
        Assert.NotEqual("one two three four five six seven eight", streamed);
        Assert.Equal("Ollama", answer.GetProperty("backend").GetString());
        Assert.Contains("Ollama", answer.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_stream_whose_caller_went_away_is_stored_as_interrupted_never_as_a_whole_answer()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        gateway.Ollama.Faults.Answer = _ => string.Join(' ', Enumerable.Range(1, 40).Select(i => $"word{i}"));
        gateway.Ollama.Faults.ChunkDelay = TimeSpan.FromMilliseconds(100);
        using var cts = new CancellationTokenSource();
        // No draining of the unread body on dispose: the connection closes, as when a browser tab goes away.
        using var caller = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = gateway.BaseAddress };

        var response = await ConversationsHttp.PostChatAsync(caller, "gone", TestGateway.ChatBody("talk slowly", stream: true), cancellationToken: cts.Token);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        while (await reader.ReadLineAsync(cts.Token) is { } line && !line.Contains("word1", StringComparison.Ordinal))
        {
        }

        await cts.CancelAsync(); // the caller goes away after the first words
        response.Dispose();

        var conversation = await ConversationsHttp.EventuallyAsync(gateway.Client, "gone", _ => true);
        var answer = conversation.GetProperty("messages")[1];
        Assert.Equal("interrupted", answer.GetProperty("status").GetString());
        Assert.StartsWith("word1", answer.GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("word40", answer.GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_chain_that_gives_up_is_stored_as_failed_with_the_error_text(bool stream)
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama", "Mlx"]);
        gateway.Ollama.Faults.StatusCode = 500;
        gateway.Mlx.Faults.StatusCode = 503;
        gateway.Mlx.Faults.ErrorMessage = "model loading";

        using var response = await ConversationsHttp.PostChatAsync(gateway.Client, "down", TestGateway.ChatBody("anyone?", stream));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);

        var conversation = (await ConversationsHttp.GetAsync(gateway.Client, "down"))!.Value;
        Assert.Equal(["user: anyone? [failed]", "assistant:  [failed]"], ConversationsHttp.Lines(conversation));
        var error = conversation.GetProperty("messages")[1].GetProperty("error").GetString();
        Assert.Contains("model loading", error);
        Assert.Contains("Ollama", error);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_store_that_fails_never_fails_the_answer_it_says_so_in_a_header_or_comment_and_one_log_line(bool stream)
    {
        // A non-ASCII path: the error header must still go out (as printable ASCII).
        var blocker = Path.Combine(Directory.CreateTempSubdirectory("agent-host-blocked-données-").FullName, "a-file");
        await File.WriteAllTextAsync(blocker, "a file where the database's folder should be");
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"],
            settings: new Dictionary<string, string> { ["AgentHost:Storage:ConnectionString"] = $"Data Source={Path.Combine(blocker, "conversations.db")}" });

        using var response = await ConversationsHttp.PostChatAsync(gateway.Client, "lost", TestGateway.ChatBody("still answered?", stream));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (stream)
        {
            var data = TestGateway.SseData(body);
            Assert.Equal("Ollama: still answered?", TestGateway.StreamedText(data));
            Assert.Equal("[DONE]", data[^1]);
            Assert.Contains(": agent-host: conversation-error: The SQLite database", body);
        }
        else
        {
            Assert.Equal("Ollama: still answered?", JsonDocument.Parse(body).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
            Assert.Contains("SQLite database", Assert.Single(response.Headers.GetValues(ConversationRecorder.ErrorHeader)));
        }

        Assert.Single(gateway.Logs, l => l.StartsWith("conversation lost: the turn was not stored: The SQLite database", StringComparison.Ordinal));

        // Reading is a 503 in OpenAI's shape.
        using var list = await gateway.Client.GetAsync("v1/conversations");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, list.StatusCode);
        Assert.Equal("storage_unavailable", JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_conversation_routes_are_behind_the_api_key()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string> { ["AgentHost:Http:ApiKey"] = "s3cret" });

        using var list = await gateway.Client.GetAsync("v1/conversations");
        using var delete = await gateway.Client.DeleteAsync("v1/conversations/x");
        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, delete.StatusCode);

        using var chat = await ConversationsHttp.PostChatAsync(gateway.Client, "keyed", TestGateway.ChatBody("hi"), apiKey: "s3cret");
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/conversations");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "s3cret");
        using var allowed = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Contains("\"keyed\"", await allowed.Content.ReadAsStringAsync());
    }
}
