using Microsoft.Extensions.Logging;

namespace AgentHost.Connectors.Victoria.Core;

/// <summary>The connector's log lines (source-generated).</summary>
internal static partial class VictoriaLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "{Backend}: POST {Path} (goal {GoalLength} chars, {HistoryPairs} earlier exchanges)")]
    public static partial void Sending(ILogger logger, string backend, string path, int goalLength, int historyPairs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Backend}: 422 for {{\"goal\"}}, retrying once with {{\"prompt\"}}")]
    public static partial void RetryingWithPrompt(ILogger logger, string backend);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "{Backend}: task {TaskId} accepted, polling every {PollInterval}")]
    public static partial void TaskAccepted(ILogger logger, string backend, string taskId, TimeSpan pollInterval);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "{Backend}: task {TaskId} is {Status}")]
    public static partial void TaskPolled(ILogger logger, string backend, string taskId, string status);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "{Backend}: answer of {Length} chars (status {Status}, truncated {Truncated})")]
    public static partial void Answered(ILogger logger, string backend, int length, string? status, bool truncated);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "{Backend}: request failed with {StatusCode}: {Error}")]
    public static partial void Failed(ILogger logger, string backend, int statusCode, string? error);
}
