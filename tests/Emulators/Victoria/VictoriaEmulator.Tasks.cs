using System.Collections.Concurrent;
using AgentHost.Emulators.Hosting;
using Microsoft.AspNetCore.Http;

namespace AgentHost.Emulators.Victoria;

public sealed partial class VictoriaEmulator
{
    private readonly ConcurrentDictionary<string, EmulatedTask> _tasks = new(StringComparer.Ordinal);

    /// <summary>How many times <c>/run/status/{id}</c> was asked, over all tasks.</summary>
    public int StatusPolls => _tasks.Values.Sum(t => t.Polls) + Volatile.Read(ref _lostPolls);

    private int _lostPolls;

    private EmulatedTask CreateTask(string goal, string correlationId, RequestFaults faults)
    {
        var task = new EmulatedTask(Guid.NewGuid().ToString(), goal, correlationId, AnswerFor(goal, faults), Clarify, InBodyError, KnowledgeFor(goal, correlationId));
        _tasks[task.Id] = task;
        return task;
    }

    /// <summary><c>GET /run/status/{task_id}</c>: one stage further per poll: <c>queued</c>, <c>running</c>..., then <c>completed</c> or <c>failed</c>.</summary>
    private async Task StatusAsync(HttpContext context, string taskId)
    {
        if (LoseTasks || !_tasks.TryGetValue(taskId, out var task))
        {
            Interlocked.Increment(ref _lostPolls);
            await WriteJsonAsync(context, 404, new { detail = "task_id not found" });
            return;
        }

        var poll = Interlocked.Increment(ref task.Polls);
        var updatedAt = DateTimeOffset.UtcNow.ToString("O");
        if (poll <= PollsBeforeDone)
        {
            var status = poll == 1 ? "queued" : "running";
            await WriteJsonAsync(context, 200, StatusReply(task, status, stage: poll == 1 ? "queued" : "agent_run", output: string.Empty, PendingKnowledge, error: null, updatedAt));
            return;
        }

        if (task.Error is { } error)
        {
            await WriteJsonAsync(context, 200, StatusReply(task, "failed", "failed", string.Empty, PendingKnowledge, error, updatedAt));
            return;
        }

        if (task.Questions is { } questions)
        {
            var knowledge = new
            {
                needs_clarification = true,
                clarification_questions = questions,
                strategy = "need_clarification",
                metadata = new { model_used = "local", source = "local" },
            };
            var reply = StatusReply(task, "completed", "completed", Cut("Victoria уточняет: " + string.Join("; ", questions)), knowledge, null, updatedAt);
            reply["clarification_questions"] = questions;
            await WriteJsonAsync(context, 200, reply);
            return;
        }

        await WriteJsonAsync(context, 200, StatusReply(task, "completed", "completed", Cut(task.Answer), task.Knowledge, null, updatedAt));
    }

    private static readonly object PendingKnowledge = new { metadata = new { model_used = "local", source = "local" } };

    private static Dictionary<string, object?> StatusReply(EmulatedTask task, string status, string stage, string output, object knowledge, string? error, string updatedAt) => new()
    {
        ["task_id"] = task.Id,
        ["status"] = status,
        ["stage"] = stage,
        ["output"] = output,
        ["knowledge"] = knowledge,
        ["error"] = error,
        ["correlation_id"] = task.CorrelationId,
        ["updated_at"] = updatedAt,
    };

    private string Cut(string output) =>
        output.Length > TruncateAt ? output[..TruncateAt].TrimEnd() + TruncationSuffix : output;

    private sealed class EmulatedTask(string id, string goal, string correlationId, string answer, IReadOnlyList<string>? questions, string? error, object knowledge)
    {
        public int Polls;

        public string Id { get; } = id;

        public string Goal { get; } = goal;

        public string CorrelationId { get; } = correlationId;

        public string Answer { get; } = answer;

        public IReadOnlyList<string>? Questions { get; } = questions;

        public string? Error { get; } = error;

        public object Knowledge { get; } = knowledge;
    }
}
