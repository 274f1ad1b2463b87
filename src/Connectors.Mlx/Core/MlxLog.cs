using Microsoft.Extensions.Logging;

namespace AgentHost.Connectors.Mlx.Core;

/// <summary>The connector's log lines (source-generated).</summary>
internal static partial class MlxLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "{Backend}: POST {Path} (model {Model}, streaming {Streaming})")]
    public static partial void Sending(ILogger logger, string backend, string path, string? model, bool streaming);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Backend} answered {StatusCode}: {ServerError}")]
    public static partial void HttpError(ILogger logger, string backend, int statusCode, string? serverError);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "{Backend}: reply is not the expected JSON ({Reason})")]
    public static partial void Malformed(ILogger logger, string backend, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "{Backend}: stream ended without its end marker after {Characters} characters")]
    public static partial void Truncated(ILogger logger, string backend, int characters);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "{Backend}: reply held no answer")]
    public static partial void Empty(ILogger logger, string backend);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "{Backend}: health probe {Path} failed: {Reason}")]
    public static partial void HealthFailed(ILogger logger, string backend, string path, string reason);
}
