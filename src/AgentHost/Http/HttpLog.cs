namespace AgentHost.Http;

/// <summary>The HTTP service's log lines (one line each, on stderr).</summary>
internal static partial class HttpLog
{
    [LoggerMessage(1, LogLevel.Information, "{Method} {Path} → {Status}: {Message}")]
    public static partial void Refused(this ILogger logger, string method, string path, int status, string message);

    [LoggerMessage(2, LogLevel.Warning, "{Path} → {Status}: {Message}")]
    public static partial void NoBackendAnswered(this ILogger logger, string path, int status, string message);

    [LoggerMessage(3, LogLevel.Warning, "stream cut: {Message}")]
    public static partial void StreamInterrupted(this ILogger logger, string message);

    [LoggerMessage(4, LogLevel.Information, "{Path}: the caller went away; the chain call was cancelled")]
    public static partial void CallerGone(this ILogger logger, string path);

    [LoggerMessage(6, LogLevel.Debug, "stream progress: {Message}")]
    public static partial void Progress(this ILogger logger, string message);

    [LoggerMessage(7, LogLevel.Warning, "conversation {Id}: the turn was not stored: {Message}")]
    public static partial void ConversationNotStored(this ILogger logger, string id, string message);

    [LoggerMessage(8, LogLevel.Warning, "{Method} {Path} → 503: {Message}")]
    public static partial void StoreUnavailable(this ILogger logger, string method, string path, string message);

    [LoggerMessage(9, LogLevel.Warning, "conversations will not be stored until the store answers: {Message}")]
    public static partial void StoreNotReady(this ILogger logger, string message);

    [LoggerMessage(5, LogLevel.Error, "{Method} {Path} failed")]
    public static partial void Unhandled(this ILogger logger, Exception exception, string method, string path);
}
