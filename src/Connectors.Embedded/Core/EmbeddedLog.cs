using Microsoft.Extensions.Logging;

namespace AgentHost.Connectors.Embedded;

/// <summary>The embedded backend's log messages (source-generated).</summary>
internal static partial class EmbeddedLog
{
    [LoggerMessage(EventId = 4401, Level = LogLevel.Information, Message = "{Backend} loaded {File} ({Size}) in {ElapsedMs} ms")]
    public static partial void Loaded(ILogger logger, string backend, string file, string size, long elapsedMs);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Information, Message = "{Backend} unloaded {File} after {Idle} without requests")]
    public static partial void Unloaded(ILogger logger, string backend, string file, string idle);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Warning, Message = "{Backend} cannot load {Path}: {Reason}")]
    public static partial void LoadFailed(ILogger logger, string backend, string path, string reason);

    [LoggerMessage(EventId = 4404, Level = LogLevel.Debug, Message = "{Backend} generated {Tokens} tokens ({PromptTokens} prompt tokens) in {ElapsedMs} ms, finish: {Finish}")]
    public static partial void Generated(ILogger logger, string backend, int tokens, int promptTokens, long elapsedMs, string finish);

    [LoggerMessage(EventId = 4405, Level = LogLevel.Debug, Message = "{Backend} health: {Status} ({Description})")]
    public static partial void Health(ILogger logger, string backend, string status, string description);

    [LoggerMessage(EventId = 4406, Level = LogLevel.Warning, Message = "{Backend} warm-up failed: {Reason}")]
    public static partial void WarmUpFailed(ILogger logger, string backend, string reason);
}
