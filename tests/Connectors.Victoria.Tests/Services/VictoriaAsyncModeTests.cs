using System.Net;
using AgentHost.Backends;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Connectors.Victoria.Tests.Services;

/// <summary>Async mode: 202 then polling <c>/run/status/{task_id}</c>, with its limits and failures.</summary>
public sealed class VictoriaAsyncModeTests
{
    private static ChatHistory Ask(string text)
    {
        var history = new ChatHistory();
        history.AddUserMessage(text);
        return history;
    }

    private static Task<VictoriaTestHost> AsyncHost(Action<AgentHost.Emulators.Victoria.VictoriaEmulator>? emulator = null, Action<VictoriaOptions>? configure = null, TimeProvider? time = null) =>
        VictoriaTestHost.StartAsync(o =>
        {
            o.Mode = VictoriaRunMode.Async;
            configure?.Invoke(o);
        }, time, emulator);

    [Fact]
    public async Task Async_run_polls_until_completed_and_reports_the_task()
    {
        await using var host = await AsyncHost();

        var reply = await host.Chat.GetChatMessageContentAsync(Ask("long job"));

        Assert.Equal("Victoria: long job", reply.Content);
        var requests = host.Emulator.Requests;
        Assert.Equal("/run?async_mode=true", requests[0].PathAndQuery);
        var taskId = (string)reply.Metadata![VictoriaMetadataKeys.TaskId]!;
        Assert.Equal(Enumerable.Repeat($"/run/status/{taskId}", 3), requests.Skip(1).Select(r => r.PathAndQuery));
        Assert.Equal("completed", reply.Metadata[VictoriaMetadataKeys.Status]);
        Assert.Equal("victoria-emulator", reply.Metadata[VictoriaMetadataKeys.KnowledgeMethod]);
        Assert.Equal(false, reply.Metadata[VictoriaMetadataKeys.Truncated]);
    }

    [Fact]
    public async Task Newer_builds_answering_200_to_async_need_no_polling()
    {
        await using var host = await AsyncHost(e => e.AsyncAnswersSync = true);

        var reply = await host.Chat.GetChatMessageContentAsync(Ask("hello"));

        Assert.Equal("Victoria: hello", reply.Content);
        Assert.Single(host.Emulator.Requests);
        Assert.Equal(0, host.Emulator.StatusPolls);
    }

    [Fact]
    public async Task Polls_wait_on_the_injected_time_provider()
    {
        var time = new SignallingTimeProvider();
        await using var host = await AsyncHost(configure: o => o.PollInterval = TimeSpan.FromSeconds(2), time: time);

        var run = host.Chat.GetChatMessageContentAsync(Ask("timed"));
        var waits = 0;
        while (await time.NextTimerAsync(run))
        {
            Assert.Equal(waits, host.Emulator.StatusPolls); // no poll before the interval has passed
            waits++;
            time.Advance(TimeSpan.FromSeconds(2));
        }

        Assert.Equal("Victoria: timed", (await run).Content);
        Assert.Equal(3, waits);
    }

    [Fact]
    public async Task Polling_past_the_poll_timeout_fails_with_a_timeout()
    {
        var time = new SignallingTimeProvider();
        await using var host = await AsyncHost(e => e.PollsBeforeDone = int.MaxValue, o =>
        {
            o.PollInterval = TimeSpan.FromSeconds(1);
            o.PollTimeout = TimeSpan.FromSeconds(5);
        }, time);

        var run = host.Chat.GetChatMessageContentAsync(Ask("never ends"));
        while (await time.NextTimerAsync(run))
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var e = await Assert.ThrowsAsync<TimeoutException>(() => run);
        Assert.Contains("running", e.Message);
        Assert.Equal(5, host.Emulator.StatusPolls);
    }

    [Fact]
    public async Task Cancellation_is_honoured_while_waiting_between_polls()
    {
        var time = new SignallingTimeProvider();
        await using var host = await AsyncHost(time: time);
        using var cts = new CancellationTokenSource();

        var run = host.Chat.GetChatMessageContentAsync(Ask("cancel me"), cancellationToken: cts.Token);
        Assert.True(await time.NextTimerAsync(run));
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, host.Emulator.StatusPolls);
    }

    [Fact]
    public async Task A_lost_task_is_a_failure_not_a_wait()
    {
        await using var host = await AsyncHost(e => e.LoseTasks = true);

        var e = await Assert.ThrowsAsync<BackendHttpOperationException>(() => host.Chat.GetChatMessageContentAsync(Ask("x")));

        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
        Assert.Contains("lost", e.Message);
        Assert.Contains("task_id not found", e.Message);
        Assert.Equal(1, host.Emulator.StatusPolls);
    }

    [Fact]
    public async Task A_cut_polled_output_is_flagged_truncated()
    {
        await using var host = await AsyncHost(e =>
        {
            e.TruncateAt = 40;
            e.Faults.Answer = _ => string.Concat(Enumerable.Repeat("long answer ", 20));
        });

        var reply = await host.Chat.GetChatMessageContentAsync(Ask("x"));

        Assert.EndsWith("[... ответ обрезан ...]", reply.Content);
        Assert.StartsWith("long answer long answer", reply.Content);
        Assert.Equal(true, reply.Metadata![VictoriaMetadataKeys.Truncated]);
    }

    [Fact]
    public async Task Async_clarification_completes_with_the_questions()
    {
        await using var host = await AsyncHost(e => e.Clarify = ["Which repo?"]);

        var reply = await host.Chat.GetChatMessageContentAsync(Ask("fix it"));

        Assert.Contains("1. Which repo?", reply.Content);
        Assert.Equal(["Which repo?"], (string[])reply.Metadata![VictoriaMetadataKeys.ClarificationQuestions]!);
        Assert.Equal("completed", reply.Metadata[VictoriaMetadataKeys.Status]);
    }

    [Fact]
    public async Task A_failed_task_surfaces_victorias_error_text()
    {
        await using var host = await AsyncHost(e => e.InBodyError = "Ollama timeout after 600s");

        var e = await Assert.ThrowsAsync<BackendResponseException>(() => host.Chat.GetChatMessageContentAsync(Ask("x")));

        Assert.Equal(BackendResponseProblem.InBandError, e.Problem);
        Assert.Contains("Ollama timeout after 600s", e.Message);
    }
}
