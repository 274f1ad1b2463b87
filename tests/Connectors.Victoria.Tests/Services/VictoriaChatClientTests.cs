using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AgentHost.Backends;
using AgentHost.Emulators.Hosting;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Connectors.Victoria.Tests.Services;

/// <summary>Sync <c>POST /run</c> against the emulator: answers, what went on the wire, and failures.</summary>
public sealed class VictoriaChatClientTests
{
    private static ChatHistory Ask(string text)
    {
        var history = new ChatHistory();
        history.AddUserMessage(text);
        return history;
    }

    [Fact]
    public async Task Sync_run_returns_output_with_knowledge_metadata()
    {
        await using var host = await VictoriaTestHost.StartAsync();

        var reply = await host.Chat.GetChatMessageContentAsync(Ask("count the services"));

        Assert.Equal("Victoria: count the services", reply.Content);
        Assert.Equal(AuthorRole.Assistant, reply.Role);
        Assert.Equal("victoria", reply.ModelId);
        Assert.Equal("success", reply.Metadata![VictoriaMetadataKeys.Status]);
        Assert.Equal("victoria-emulator", reply.Metadata[VictoriaMetadataKeys.KnowledgeMethod]);
        Assert.Equal("victoria-emulator", reply.Metadata[VictoriaMetadataKeys.ModelUsed]);
        Assert.Equal("local", reply.Metadata[VictoriaMetadataKeys.Source]);
        Assert.Equal(false, reply.Metadata[VictoriaMetadataKeys.Truncated]);
        Assert.False(string.IsNullOrEmpty(reply.Metadata[VictoriaMetadataKeys.CorrelationId] as string));
        var request = Assert.Single(host.Emulator.Requests);
        Assert.Equal("/run?async_mode=false", request.PathAndQuery);
    }

    [Fact]
    public async Task History_becomes_goal_with_system_preamble_and_chat_history_pairs()
    {
        await using var host = await VictoriaTestHost.StartAsync(o => o.ProjectContext = "atra");
        var history = new ChatHistory("You are terse.");
        history.AddUserMessage("first question");
        history.AddAssistantMessage("first answer");
        history.AddUserMessage("second question");
        history.AddAssistantMessage("second answer");
        history.AddUserMessage("now this");

        var reply = await host.Chat.GetChatMessageContentAsync(history);

        Assert.Equal("Victoria: You are terse.\n\nnow this", reply.Content);
        var body = Assert.Single(host.RunBodies());
        Assert.Equal("You are terse.\n\nnow this", body.GetProperty("goal").GetString());
        Assert.Equal("atra", body.GetProperty("project_context").GetString());
        var pairs = body.GetProperty("chat_history").EnumerateArray()
            .Select(p => (p.GetProperty("user").GetString(), p.GetProperty("assistant").GetString())).ToArray();
        Assert.Equal([("first question", "first answer"), ("second question", "second answer")], pairs);
        Assert.False(body.TryGetProperty("session_id", out _));
        Assert.False(body.TryGetProperty("max_steps", out _));
    }

    [Fact]
    public async Task Only_the_last_30_pairs_are_sent()
    {
        await using var host = await VictoriaTestHost.StartAsync();
        var history = new ChatHistory();
        for (var i = 0; i < 35; i++)
        {
            history.AddUserMessage($"q{i}");
            history.AddAssistantMessage($"a{i}");
        }

        history.AddUserMessage("last");
        await host.Chat.GetChatMessageContentAsync(history);

        var pairs = Assert.Single(host.RunBodies()).GetProperty("chat_history").EnumerateArray().ToArray();
        Assert.Equal(30, pairs.Length);
        Assert.Equal("q5", pairs[0].GetProperty("user").GetString());
        Assert.Equal("a34", pairs[^1].GetProperty("assistant").GetString());
    }

    [Fact]
    public async Task Execution_settings_from_any_backend_send_max_steps_and_session_id()
    {
        await using var host = await VictoriaTestHost.StartAsync(o => o.MaxSteps = 50);
        var settings = new PromptExecutionSettings { ExtensionData = new Dictionary<string, object> { ["max_steps"] = 7, ["session_id"] = "s-42" } };

        await host.Chat.GetChatMessageContentAsync(Ask("go"), settings);
        await host.Chat.GetChatMessageContentAsync(Ask("again"));

        var bodies = host.RunBodies();
        Assert.Equal(7, bodies[0].GetProperty("max_steps").GetInt32());
        Assert.Equal("s-42", bodies[0].GetProperty("session_id").GetString());
        Assert.Equal(50, bodies[1].GetProperty("max_steps").GetInt32());
    }

    [Fact]
    public async Task Correlation_header_carries_the_current_trace_id()
    {
        await using var host = await VictoriaTestHost.StartAsync();
        using var activity = new Activity("victoria-test").SetIdFormat(ActivityIdFormat.W3C).Start();

        var reply = await host.Chat.GetChatMessageContentAsync(Ask("trace me"));

        var traceId = activity.TraceId.ToHexString();
        Assert.Equal(traceId, host.Emulator.Requests.Single().Headers["X-Correlation-ID"]);
        Assert.Equal(traceId, reply.Metadata![VictoriaMetadataKeys.CorrelationId]);
    }

    [Fact]
    public async Task No_correlation_header_without_an_activity()
    {
        Activity.Current = null;
        await using var host = await VictoriaTestHost.StartAsync();

        await host.Chat.GetChatMessageContentAsync(Ask("untraced"));

        Assert.False(host.Emulator.Requests.Single().Headers.ContainsKey("X-Correlation-ID"));
    }

    [Fact]
    public async Task A_422_is_retried_once_with_prompt_body()
    {
        await using var host = await VictoriaTestHost.StartAsync(emulator: e => e.PromptOnlyDeployment = true);
        var history = new ChatHistory("Be brief.");
        history.AddUserMessage("status?");

        var reply = await host.Chat.GetChatMessageContentAsync(history);

        Assert.Equal("Victoria: Be brief.\n\nstatus?", reply.Content);
        var bodies = host.RunBodies();
        Assert.Equal(2, bodies.Count);
        Assert.True(bodies[0].TryGetProperty("goal", out _));
        Assert.Equal("""{"prompt":"Be brief.\n\nstatus?"}""", host.Emulator.Requests[1].Body);
    }

    [Theory]
    [InlineData("result")]
    [InlineData("response")]
    public async Task Answer_text_is_read_from_result_or_response_in_other_builds(string field)
    {
        await using var host = await VictoriaTestHost.StartAsync(emulator: e => e.TextField = field);

        var reply = await host.Chat.GetChatMessageContentAsync(Ask("which field"));

        Assert.Equal("Victoria: which field", reply.Content);
    }

    [Fact]
    public async Task Needs_clarification_is_an_answer_listing_the_questions()
    {
        await using var host = await VictoriaTestHost.StartAsync(emulator: e => e.Clarify = ["Which service?", "Which week?"]);

        var reply = await host.Chat.GetChatMessageContentAsync(Ask("make a report"));

        Assert.Contains("1. Which service?", reply.Content);
        Assert.Contains("2. Which week?", reply.Content);
        Assert.Equal("needs_clarification", reply.Metadata![VictoriaMetadataKeys.Status]);
        Assert.Equal(["Which service?", "Which week?"], (string[])reply.Metadata[VictoriaMetadataKeys.ClarificationQuestions]!);
        Assert.Equal("make a report", reply.Metadata[VictoriaMetadataKeys.OriginalGoal]);
        Assert.Equal("make a report", reply.Metadata[VictoriaMetadataKeys.SuggestedRestatement]);
    }

    [Fact]
    public async Task Http_500_surfaces_victorias_detail_text()
    {
        await using var host = await VictoriaTestHost.StartAsync(emulator: e =>
        {
            e.Faults.StatusCode = 500;
            e.Faults.ErrorMessage = "Ollama API error: model not found";
        });

        var e = await Assert.ThrowsAsync<BackendHttpOperationException>(() => host.Chat.GetChatMessageContentAsync(Ask("x")));

        Assert.Equal(HttpStatusCode.InternalServerError, e.StatusCode);
        Assert.Equal("Victoria", e.Backend);
        Assert.Equal("Ollama API error: model not found", e.ServerError);
        Assert.Contains("Ollama API error: model not found", e.Message);
        Assert.Null(e.RetryAfter);
    }

    [Fact]
    public async Task Retry_after_is_reported_with_the_status()
    {
        await using var host = await VictoriaTestHost.StartAsync(emulator: e =>
        {
            e.Faults.StatusCode = 503;
            e.Faults.RetryAfter = TimeSpan.FromSeconds(7);
        });

        var e = await Assert.ThrowsAsync<BackendHttpOperationException>(() => host.Chat.GetChatMessageContentAsync(Ask("x")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), e.RetryAfter);
    }

    [Fact]
    public async Task Status_error_in_a_200_body_is_an_in_band_error_with_victorias_text()
    {
        await using var host = await VictoriaTestHost.StartAsync(emulator: e => e.InBodyError = "planner crashed");

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => host.Chat.GetChatMessageContentAsync(Ask("x")));

        Assert.Equal(BackendResponseProblem.InBandError, e.Problem);
        Assert.Contains("planner crashed", e.Message);
    }

    [Fact]
    public async Task Malformed_body_is_reported_as_malformed()
    {
        await using var host = await VictoriaTestHost.StartAsync(emulator: e => e.Faults.MalformedBody = true);

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => host.Chat.GetChatMessageContentAsync(Ask("x")));

        Assert.Equal(BackendResponseProblem.Malformed, e.Problem);
    }

    [Fact]
    public async Task Reply_without_text_is_reported_as_empty()
    {
        await using var host = await VictoriaTestHost.StartAsync(emulator: e => e.Faults.Answer = _ => "  ");

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => host.Chat.GetChatMessageContentAsync(Ask("x")));

        Assert.Equal(BackendResponseProblem.Empty, e.Problem);
    }

    [Fact]
    public async Task Connection_dropped_mid_body_is_a_cut_reply()
    {
        await using var host = await VictoriaTestHost.StartAsync(emulator: e => e.Faults.DropAfterChunks = 0);

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => host.Chat.GetChatMessageContentAsync(Ask("x")));

        Assert.Equal(BackendResponseProblem.Truncated, e.Problem);
    }

    [Fact]
    public async Task Body_cut_after_the_headers_is_reported_as_truncated()
    {
        var options = new VictoriaOptions { Endpoint = "http://victoria.test:8010" };
        var cut = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new FailingStream("{\"status\":\"success\",\"out"u8.ToArray())) };
        var (service, _) = RecordedVictoria.Service(options, cut);

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => service.GetChatMessageContentAsync(Ask("x")));

        Assert.Equal(BackendResponseProblem.Truncated, e.Problem);
        Assert.True(e.InnerException is IOException or HttpRequestException, e.ToString());
    }

    [Fact]
    public async Task Refused_connection_throws_http_request_exception()
    {
        await using var host = await VictoriaTestHost.StartAsync(o => o.Endpoint = Loopback.RefusingAddress().ToString());

        await Assert.ThrowsAsync<HttpRequestException>(() => host.Chat.GetChatMessageContentAsync(Ask("x")));
    }

    [Fact]
    public async Task Hanging_server_ends_at_the_request_timeout()
    {
        await using var host = await VictoriaTestHost.StartAsync(o => o.RequestTimeout = TimeSpan.FromMilliseconds(300), emulator: e => e.Faults.Hang = true);

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.Chat.GetChatMessageContentAsync(Ask("x")));

        Assert.IsType<TimeoutException>(e.InnerException);
    }

    [Fact]
    public async Task History_without_a_user_message_is_a_caller_error()
    {
        await using var host = await VictoriaTestHost.StartAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => host.Chat.GetChatMessageContentAsync(new ChatHistory("only a system prompt")));
        Assert.Empty(host.Emulator.Requests);
    }
}
