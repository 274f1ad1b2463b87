using AgentHost.Backends;
using Microsoft.Extensions.Logging;

namespace AgentHost.Connectors.Ollama;

/// <summary>The connector's log messages (source-generated).</summary>
internal static partial class OllamaLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "{Backend} answered {Method} {Path} with {StatusCode}: {ServerError}")]
    public static partial void HttpError(ILogger logger, string backend, string method, string path, int statusCode, string serverError);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "{Backend} reply unusable ({Problem}) after {Chars} characters: {Reason}")]
    public static partial void ResponseProblem(ILogger logger, string backend, BackendResponseProblem problem, int chars, string reason);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Debug, Message = "{Backend} health: {Status} ({Description})")]
    public static partial void Health(ILogger logger, string backend, string status, string description);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "{Backend} preloaded model {Model} (keep_alive {KeepAlive}) in {ElapsedMs} ms")]
    public static partial void WarmedUp(ILogger logger, string backend, string model, string keepAlive, long elapsedMs);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Debug, Message = "{Backend} could not list loaded models: {Reason}")]
    public static partial void LoadedModelsUnavailable(ILogger logger, string backend, string reason);
}
