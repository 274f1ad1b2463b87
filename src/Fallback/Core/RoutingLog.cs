using Microsoft.Extensions.Logging;

namespace AgentHost.Fallback.Core;

/// <summary>The router's log lines: one per routing decision, plus what went wrong while deciding.</summary>
internal static partial class RoutingLog
{
    [LoggerMessage(20, LogLevel.Information, "[route] {Route} chosen by {ChosenBy}: {Order}{Models}")]
    public static partial void RouteChosen(this ILogger logger, string route, string chosenBy, string order, string models);

    [LoggerMessage(21, LogLevel.Debug, "[route] {Route} chosen by {ChosenBy}: {Order}{Models}")]
    public static partial void DefaultRouteChosen(this ILogger logger, string route, string chosenBy, string order, string models);

    [LoggerMessage(22, LogLevel.Warning, "[route] could not list the models of {Backend}: {Error}")]
    public static partial void ModelListFailed(this ILogger logger, string backend, string error);

    [LoggerMessage(23, LogLevel.Warning, "[route] semantic routing failed ({Error}); routing by rules alone for {RetryAfter}")]
    public static partial void SemanticFailed(this ILogger logger, string error, string retryAfter);

    [LoggerMessage(24, LogLevel.Warning, "[route] semantic routing is enabled but no embedding generator is registered; routing by rules alone")]
    public static partial void SemanticUnavailable(this ILogger logger);
}
