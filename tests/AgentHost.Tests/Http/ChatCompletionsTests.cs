using System.Net;
using System.Text.Json;
using AgentHost.Emulators.Hosting;

namespace AgentHost.Tests.Http;

/// <summary><c>POST /v1/chat/completions</c> over real HTTP: answers, SSE framing, failover, failures.</summary>
public sealed class ChatCompletionsTests
{
    [Fact]
    public async Task A_non_streaming_answer_is_a_chat_completion_naming_its_backend_in_header_and_body()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);

        using var response = await gateway.PostChatAsync(TestGateway.ChatBody("hello there"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Ollama", Assert.Single(response.Headers.GetValues("x-agent-backend")));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.StartsWith("chatcmpl-", root.GetProperty("id").GetString());
        Assert.Equal("chat.completion", root.GetProperty("object").GetString());
        Assert.True(root.GetProperty("created").GetInt64() > 1_700_000_000);
        Assert.StartsWith("llama3.2", root.GetProperty("model").GetString());
        var choice = Assert.Single(root.GetProperty("choices").EnumerateArray());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("Ollama: hello there", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.True(root.GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);
        var report = root.GetProperty("agent_host");
        Assert.Equal("Ollama", report.GetProperty("backend").GetString());
        Assert.Equal("succeeded", report.GetProperty("attempts")[0].GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task The_whole_conversation_and_sampling_options_reach_the_backend()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        const string body = """
            {"model":"agent-host","temperature":0.25,"top_p":0.5,"max_tokens":42,"stop":["END"],
             "messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"first "},{"type":"text","text":"question"}]},
                         {"role":"assistant","content":"first answer"},{"role":"user","content":"second question"}]}
            """;

        using var response = await gateway.PostChatAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = JsonDocument.Parse(gateway.Ollama.Requests.Last(r => r.PathAndQuery == "/api/chat").Body).RootElement;
        var messages = sent.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString())).ToList();
        Assert.Equal([("system", "Be brief."), ("user", "first question"), ("assistant", "first answer"), ("user", "second question")], messages);
        var options = sent.GetProperty("options");
        Assert.Equal(0.25, options.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(0.5, options.GetProperty("top_p").GetDouble(), 3);
        Assert.Equal(42, options.GetProperty("num_predict").GetInt32());
        Assert.Equal("END", options.GetProperty("stop")[0].GetString());
    }

    [Fact]
    public async Task A_streamed_answer_is_sse_chunks_flushed_one_by_one_then_done()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        gateway.Ollama.Faults.Answer = _ => "one two three four five six";
        // Paced like a generating model, a word a line: lines already there together are one chunk (bursts are
        // coalesced), so an unpaced answer may rightly arrive whole; a cold client's first parse can outlast a gap.
        gateway.Ollama.Faults.ChunkDelay = TimeSpan.FromMilliseconds(100);
        gateway.Ollama.WordsPerChunk = 1;

        using var response = await gateway.PostChatAsync(TestGateway.ChatBody("count", stream: true, extra: """ "stream_options":{"include_usage":true} """));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Ollama", Assert.Single(response.Headers.GetValues("x-agent-backend")));
        var raw = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("data: [DONE]\n\n", raw);
        Assert.All(raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries), e => Assert.StartsWith("data: ", e));
        var data = TestGateway.SseData(raw);
        Assert.Equal("one two three four five six", TestGateway.StreamedText(data));
        var chunks = data.Where(d => d != "[DONE]").Select(d => JsonDocument.Parse(d).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());
        Assert.True(chunks.Count(c => c.GetProperty("choices").GetArrayLength() > 0 && c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var t) && t.GetString()!.Length > 0) >= 3,
            "the answer arrives in several chunks, not one");
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal("Ollama", chunks[0].GetProperty("agent_host").GetProperty("backend").GetString());
        var finish = chunks.Single(c => c.GetProperty("choices").GetArrayLength() > 0 && c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind == JsonValueKind.String);
        Assert.Equal("stop", finish.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.True(finish.GetProperty("agent_host").GetProperty("complete").GetBoolean());
        var usage = chunks.Last();
        Assert.Equal(0, usage.GetProperty("choices").GetArrayLength());
        Assert.True(usage.GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task Chunks_reach_the_caller_while_the_backend_is_still_generating()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        gateway.Ollama.Faults.Answer = _ => "alpha beta gamma delta";
        gateway.Ollama.Faults.ChunkDelay = TimeSpan.FromMilliseconds(300);

        using var response = await gateway.PostChatAsync(TestGateway.ChatBody("go", stream: true));
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null && !line.Contains("alpha", StringComparison.Ordinal))
        {
        }

        var firstWordAt = clock.Elapsed;
        var rest = await reader.ReadToEndAsync();

        Assert.NotNull(line);
        Assert.Contains("[DONE]", rest);
        Assert.True(clock.Elapsed - firstWordAt >= TimeSpan.FromMilliseconds(250), "the first chunk arrived before the backend had finished (no buffering)");
    }

    [Fact]
    public async Task When_mlx_answers_503_ollama_answers_and_the_header_says_so()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Mlx.Faults.StatusCode = 503;
        gateway.Mlx.Faults.ErrorMessage = "model loading";

        using var plain = await gateway.PostChatAsync(TestGateway.ChatBody("hi"));
        using var streamed = await gateway.PostChatAsync(TestGateway.ChatBody("hi", stream: true));

        Assert.Equal("Ollama", Assert.Single(plain.Headers.GetValues("x-agent-backend")));
        Assert.Equal("Ollama", Assert.Single(streamed.Headers.GetValues("x-agent-backend")));
        using var json = JsonDocument.Parse(await plain.Content.ReadAsStringAsync());
        var attempts = json.RootElement.GetProperty("agent_host").GetProperty("attempts");
        Assert.Equal("Mlx", attempts[0].GetProperty("backend").GetString());
        Assert.Equal("failed", attempts[0].GetProperty("outcome").GetString());
        Assert.Contains("model loading", attempts[0].GetProperty("error").GetString());
        Assert.Equal("Ollama: hi", TestGateway.StreamedText(TestGateway.SseData(await streamed.Content.ReadAsStringAsync())));
        Assert.True(gateway.Mlx.GenerationRequests >= 2);
    }

    [Fact]
    public async Task With_mlx_first_and_healthy_mlx_answers()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var response = await gateway.PostChatAsync(TestGateway.ChatBody("hi"));

        Assert.Equal("Mlx", Assert.Single(response.Headers.GetValues("x-agent-backend")));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("MLX: hi", json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task A_stream_that_breaks_after_it_started_ends_with_an_error_event_naming_the_backend()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama", "Mlx"]);
        gateway.Ollama.Faults.Answer = _ => "one two three four five six seven eight";
        gateway.Ollama.InBandErrorAfterChunks = 2;

        using var response = await gateway.PostChatAsync(TestGateway.ChatBody("count", stream: true));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Ollama", Assert.Single(response.Headers.GetValues("x-agent-backend")));
        var data = TestGateway.SseData(await response.Content.ReadAsStringAsync());
        Assert.DoesNotContain("[DONE]", data);
        Assert.Equal("one two three four ", TestGateway.StreamedText(data.SkipLast(1)));
        using var error = JsonDocument.Parse(data[^1]);
        var e = error.RootElement.GetProperty("error");
        Assert.Equal("Ollama", e.GetProperty("backend").GetString());
        Assert.Contains("Ollama", e.GetProperty("message").GetString());
        Assert.Contains("model runner has unexpectedly stopped", e.GetProperty("message").GetString());
        Assert.Equal("backend_stream_interrupted", e.GetProperty("code").GetString());
        Assert.Equal(0, gateway.Mlx.GenerationRequests);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task When_every_backend_fails_the_answer_is_502_naming_each_backend(bool stream)
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Mlx.Faults.StatusCode = 503;
        gateway.Mlx.Faults.ErrorMessage = "model loading";
        gateway.Ollama.Faults.StatusCode = 500;
        gateway.Victoria.Faults.StatusCode = 500;
        gateway.Victoria.Faults.ErrorMessage = "agent crashed";

        using var response = await gateway.PostChatAsync(TestGateway.ChatBody("hi", stream));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(response.Headers.Contains("x-agent-backend"));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var message = json.RootElement.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("Mlx: ", message);
        Assert.Contains("model loading", message);
        Assert.Contains("Ollama: ", message);
        Assert.Contains("Victoria: ", message);
        Assert.Contains("agent crashed", message);
        Assert.Equal("api_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("agent_host").GetProperty("attempts").GetArrayLength());
    }

    [Fact]
    public async Task When_no_backend_can_even_be_tried_the_answer_is_503()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Mlx", "Victoria"]);
        const string tools = """ "tools":[{"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{}}}}] """;

        using var response = await gateway.PostChatAsync(TestGateway.ChatBody("what time is it?", extra: tools));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var message = json.RootElement.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("Mlx: skipped", message);
        Assert.Contains("Victoria: skipped", message);
    }

    [Fact]
    public async Task Tools_pass_through_and_the_model_s_tool_call_comes_back_as_openai_tool_calls()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Mlx", "Ollama"]);
        const string tools = """ "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather in a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],"tool_choice":"auto" """;

        using var first = await gateway.PostChatAsync(TestGateway.ChatBody("weather in Paris?", extra: tools));
        using var firstJson = JsonDocument.Parse(await first.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("Ollama", Assert.Single(first.Headers.GetValues("x-agent-backend")));
        var choice = firstJson.RootElement.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var call = Assert.Single(choice.GetProperty("message").GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).RootElement.ValueKind);
        var sent = JsonDocument.Parse(gateway.Ollama.Requests.Last(r => r.PathAndQuery == "/api/chat").Body).RootElement;
        Assert.Equal("get_weather", sent.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("skipped", firstJson.RootElement.GetProperty("agent_host").GetProperty("attempts")[0].GetProperty("outcome").GetString());

        // The client runs the tool itself and sends the result back: the model answers with text.
        var id = call.GetProperty("id").GetString();
        var followUp = $$$"""
            {"model":"agent-host","messages":[{"role":"user","content":"weather in Paris?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"{{{id}}}","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
              {"role":"tool","tool_call_id":"{{{id}}}","content":"18 C and sunny"}],
            """ + tools + "}";
        using var second = await gateway.PostChatAsync(followUp);
        using var secondJson = JsonDocument.Parse(await second.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("stop", secondJson.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.False(string.IsNullOrEmpty(secondJson.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()));
        var resent = JsonDocument.Parse(gateway.Ollama.Requests.Last(r => r.PathAndQuery == "/api/chat").Body).RootElement.GetProperty("messages");
        Assert.Contains(resent.EnumerateArray(), m => m.GetProperty("role").GetString() == "tool" && m.GetProperty("content").GetString()!.Contains("18 C and sunny", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_streamed_tool_call_comes_back_as_tool_call_deltas()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        const string tools = """ "tools":[{"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{}}}}] """;

        using var response = await gateway.PostChatAsync(TestGateway.ChatBody("time?", stream: true, extra: tools));
        var data = TestGateway.SseData(await response.Content.ReadAsStringAsync());

        var chunks = data.Where(d => d != "[DONE]").Select(d => JsonDocument.Parse(d).RootElement).ToList();
        var call = chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray())
            .Where(c => c.GetProperty("delta").TryGetProperty("tool_calls", out _))
            .Select(c => c.GetProperty("delta").GetProperty("tool_calls")[0]).Single();
        Assert.Equal(0, call.GetProperty("index").GetInt32());
        Assert.Equal("get_time", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Contains(chunks, c => c.GetProperty("choices").GetArrayLength() > 0 && c.GetProperty("choices")[0].GetProperty("finish_reason").GetString() == "tool_calls");
        Assert.Equal("[DONE]", data[^1]);
    }

    [Fact]
    public async Task A_caller_that_goes_away_cancels_the_chain_call_and_the_service_keeps_answering()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        gateway.Ollama.Faults.Hang = true;
        using var cts = new CancellationTokenSource();

        var call = gateway.PostChatAsync(TestGateway.ChatBody("wait for me"), cancellationToken: cts.Token);
        await TestGateway.Eventually(() => gateway.Ollama.GenerationRequests == 1);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        // The chain's call was cancelled all the way down: Ollama saw its request go away while it hung.
        await gateway.Ollama.ClientAborted.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("/api/chat", Assert.Single(gateway.Ollama.ClientAborts).PathAndQuery);
        gateway.Ollama.Faults.Reset();
        using var next = await gateway.PostChatAsync(TestGateway.ChatBody("still there?"));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task A_caller_that_goes_away_mid_stream_cancels_the_chain_call()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        gateway.Ollama.Faults.Answer = _ => string.Join(' ', Enumerable.Range(1, 200));
        gateway.Ollama.Faults.ChunkDelay = TimeSpan.FromMilliseconds(50);

        using (var response = await gateway.PostChatAsync(TestGateway.ChatBody("long", stream: true)))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: ", await reader.ReadLineAsync());
        }

        // Ollama saw the stream it was still sending go away (chunks 50 ms apart: 200 of them would take 10 s) ...
        await gateway.Ollama.ClientAborted.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("/api/chat", Assert.Single(gateway.Ollama.ClientAborts).PathAndQuery);
        // ... and the host put it down to the caller, not to a cut backend.
        await TestGateway.Eventually(() => gateway.Logs.Any(l => l.Contains("the caller went away", StringComparison.Ordinal)));
        Assert.DoesNotContain(gateway.Logs, l => l.Contains("stream cut", StringComparison.Ordinal));
    }
}
