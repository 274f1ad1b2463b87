using System.Net;
using System.Text.Json;
using AgentHost.Backends;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Connectors.Victoria.Tests.Core;

/// <summary>Replies shaped as the real server writes them (files under <c>TestData/</c>), served by a mocked handler.</summary>
public sealed class VictoriaRecordedReplyTests
{
    private static readonly VictoriaOptions Sync = new() { Endpoint = "http://victoria.test:8010" };

    private static readonly VictoriaOptions Async = new()
    {
        Endpoint = "http://victoria.test:8010/",
        Mode = VictoriaRunMode.Async,
        PollInterval = TimeSpan.FromMilliseconds(1),
    };

    private static Task<ChatMessageContent> AskAsync(IChatCompletionService service, string goal = "Сколько сервисов в проекте?")
    {
        var history = new ChatHistory();
        history.AddUserMessage(goal);
        return service.GetChatMessageContentAsync(history);
    }

    [Fact]
    public async Task Agent_run_reply_reports_the_execution_trace_method_and_model()
    {
        var (service, sent) = RecordedVictoria.Service(Sync, RecordedVictoria.Reply(HttpStatusCode.OK, "run_sync_success.json"));

        var reply = await AskAsync(service);

        Assert.Equal("В проекте 3 сервиса: web, api и worker.", reply.Content);
        Assert.Equal("qwen2.5-coder:32b", reply.Metadata![VictoriaMetadataKeys.KnowledgeMethod]);
        Assert.Equal("qwen2.5-coder:32b", reply.Metadata[VictoriaMetadataKeys.ModelUsed]);
        Assert.Equal("4f1c2a9e-0b7d-4e55-9a51-1d2c3b4a5f60", reply.Metadata[VictoriaMetadataKeys.CorrelationId]);
        Assert.False(reply.Metadata.ContainsKey(VictoriaMetadataKeys.Strategy));
        Assert.Equal("http://victoria.test:8010/run?async_mode=false", sent.Single().Uri.ToString());
        Assert.Equal("Сколько сервисов в проекте?", JsonDocument.Parse(sent.Single().Body).RootElement.GetProperty("goal").GetString());
    }

    [Fact]
    public async Task Endpoint_path_prefix_is_kept_in_the_request_address()
    {
        var (service, sent) = RecordedVictoria.Service(new VictoriaOptions { Endpoint = "http://gateway.test/victoria" }, RecordedVictoria.Reply(HttpStatusCode.OK, "run_sync_success.json"));

        await AskAsync(service);

        Assert.Equal("http://gateway.test/victoria/run?async_mode=false", sent.Single().Uri.ToString());
    }

    [Fact]
    public async Task Enhanced_reply_reports_knowledge_method_and_strategy()
    {
        var (service, _) = RecordedVictoria.Service(Sync, RecordedVictoria.Reply(HttpStatusCode.OK, "run_sync_enhanced.json"));

        var reply = await AskAsync(service);

        Assert.Equal("react_with_reflection", reply.Metadata![VictoriaMetadataKeys.KnowledgeMethod]);
        Assert.Equal("Victoria Enhanced", reply.Metadata[VictoriaMetadataKeys.ModelUsed]);
        Assert.Equal("deep_analysis", reply.Metadata[VictoriaMetadataKeys.Strategy]);
    }

    [Fact]
    public async Task Fast_path_reply_reports_source_and_strategy()
    {
        var (service, _) = RecordedVictoria.Service(Sync, RecordedVictoria.Reply(HttpStatusCode.OK, "run_sync_fast_path.json"));

        var reply = await AskAsync(service, "привет");

        Assert.StartsWith("Привет! Я Виктория", reply.Content);
        Assert.Equal("ollama", reply.Metadata![VictoriaMetadataKeys.Source]);
        Assert.Equal("quick_answer", reply.Metadata[VictoriaMetadataKeys.Strategy]);
        Assert.False(reply.Metadata.ContainsKey(VictoriaMetadataKeys.KnowledgeMethod));
    }

    [Fact]
    public async Task Clarification_reply_lists_questions_and_the_suggested_restatement()
    {
        var (service, _) = RecordedVictoria.Service(Sync, RecordedVictoria.Reply(HttpStatusCode.OK, "run_needs_clarification.json"));

        var reply = await AskAsync(service, "сделай отчёт");

        Assert.Equal(
            "Victoria needs clarification before going on:\n1. Какой сервис вы имеете в виду?\n2. За какой период нужен отчёт?\nSuggested restatement: Сделай отчёт по сервису web за последнюю неделю",
            reply.Content);
        Assert.Equal("сделай отчёт", reply.Metadata![VictoriaMetadataKeys.OriginalGoal]);
        Assert.Equal("Сделай отчёт по сервису web за последнюю неделю", reply.Metadata[VictoriaMetadataKeys.SuggestedRestatement]);
    }

    [Fact]
    public async Task Polled_reply_cut_at_2000_chars_is_flagged()
    {
        var (service, sent) = RecordedVictoria.Service(Async,
            RecordedVictoria.Reply(HttpStatusCode.Accepted, "run_async_accepted.json"),
            RecordedVictoria.Reply(HttpStatusCode.OK, "run_status_processing.json"),
            RecordedVictoria.Reply(HttpStatusCode.OK, "run_status_completed_truncated.json"));

        var reply = await AskAsync(service);

        Assert.Equal(true, reply.Metadata![VictoriaMetadataKeys.Truncated]);
        Assert.Equal("6e0f3c1a-2b4d-4c8e-9f10-a1b2c3d4e5f6", reply.Metadata[VictoriaMetadataKeys.TaskId]);
        Assert.Equal("agent_run", reply.Metadata[VictoriaMetadataKeys.KnowledgeMethod]);
        Assert.Equal(
            ["http://victoria.test:8010/run?async_mode=true", "http://victoria.test:8010/run/status/6e0f3c1a-2b4d-4c8e-9f10-a1b2c3d4e5f6", "http://victoria.test:8010/run/status/6e0f3c1a-2b4d-4c8e-9f10-a1b2c3d4e5f6"],
            sent.Select(s => s.Uri.ToString()));
    }

    [Fact]
    public async Task Polled_clarification_is_an_answer()
    {
        var (service, _) = RecordedVictoria.Service(Async,
            RecordedVictoria.Reply(HttpStatusCode.Accepted, "run_async_accepted.json"),
            RecordedVictoria.Reply(HttpStatusCode.OK, "run_status_completed_clarification.json"));

        var reply = await AskAsync(service);

        Assert.Equal(["Какой сервис?", "За какой период?"], (string[])reply.Metadata![VictoriaMetadataKeys.ClarificationQuestions]!);
        Assert.Contains("2. За какой период?", reply.Content);
    }

    [Fact]
    public async Task Polled_failure_carries_victorias_error()
    {
        var (service, _) = RecordedVictoria.Service(Async,
            RecordedVictoria.Reply(HttpStatusCode.Accepted, "run_async_accepted.json"),
            RecordedVictoria.Reply(HttpStatusCode.OK, "run_status_failed.json"));

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => AskAsync(service));

        Assert.Equal(BackendResponseProblem.InBandError, e.Problem);
        Assert.Equal("Victoria: Victoria reported status 'failed': Ollama timeout after 600s", e.Message);
    }

    [Fact]
    public async Task Http_500_detail_becomes_the_server_error()
    {
        var (service, _) = RecordedVictoria.Service(Sync, RecordedVictoria.Reply(HttpStatusCode.InternalServerError, "run_error_500.json"));

        var e = await Assert.ThrowsAsync<BackendHttpOperationException>(() => AskAsync(service));

        Assert.Equal("Ollama API error: model 'qwen2.5-coder:32b' not found", e.ServerError);
        Assert.Equal("Victoria answered 500: Ollama API error: model 'qwen2.5-coder:32b' not found", e.Message);
    }

    [Fact]
    public async Task A_second_422_is_not_retried_again_and_names_the_field()
    {
        var (service, sent) = RecordedVictoria.Service(Sync,
            RecordedVictoria.Reply(HttpStatusCode.UnprocessableEntity, "run_validation_422.json"),
            RecordedVictoria.Reply(HttpStatusCode.UnprocessableEntity, "run_validation_422.json"));

        var e = await Assert.ThrowsAsync<BackendHttpOperationException>(() => AskAsync(service, "hi"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.StatusCode);
        Assert.Equal("body.goal: Field required", e.ServerError);
        Assert.Equal(2, sent.Count);
        Assert.Equal("""{"prompt":"hi"}""", sent[1].Body);
    }

    [Fact]
    public async Task A_non_object_body_is_malformed()
    {
        var reply = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("\"just a string\"") };
        var (service, _) = RecordedVictoria.Service(Sync, reply);

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => AskAsync(service));

        Assert.Equal(BackendResponseProblem.Malformed, e.Problem);
    }

    [Fact]
    public async Task A_non_string_output_is_passed_on_as_its_json()
    {
        var reply = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"status":"success","output":{"files":3}}""") };
        var (service, _) = RecordedVictoria.Service(Sync, reply);

        Assert.Equal("""{"files":3}""", (await AskAsync(service)).Content);
    }
}
