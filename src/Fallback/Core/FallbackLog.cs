using Microsoft.Extensions.Logging;

namespace AgentHost.Fallback.Core;

/// <summary>The chain's log lines: one per attempt, plus breaker and health changes.</summary>
internal static partial class FallbackLog
{
    [LoggerMessage(1, LogLevel.Debug, "[{Backend}] generating via {DisplayName} {Where}")]
    public static partial void Generating(this ILogger logger, string backend, string displayName, string where);

    [LoggerMessage(2, LogLevel.Information, "[{Backend}] answered via {DisplayName} {Where} in {Duration} (first token after {TimeToFirstToken})")]
    public static partial void Answered(this ILogger logger, string backend, string displayName, string where, string duration, string timeToFirstToken);

    [LoggerMessage(3, LogLevel.Warning, "[{Backend}] failed: {Error} → {Next}")]
    public static partial void Failed(this ILogger logger, string backend, string error, string next);

    [LoggerMessage(4, LogLevel.Information, "[{Backend}] skipped: {Reason}")]
    public static partial void Skipped(this ILogger logger, string backend, string reason);

    [LoggerMessage(5, LogLevel.Warning, "[{Backend}] stream broke after {Characters} characters: {Error}")]
    public static partial void StreamInterrupted(this ILogger logger, string backend, int characters, string error);

    [LoggerMessage(6, LogLevel.Information, "[{Backend}] retrying after {Error} in {Delay}")]
    public static partial void Retrying(this ILogger logger, string backend, string error, string delay);

    [LoggerMessage(7, LogLevel.Warning, "[{Backend}] circuit opened for {Duration}")]
    public static partial void CircuitOpened(this ILogger logger, string backend, string duration);

    [LoggerMessage(8, LogLevel.Information, "[{Backend}] circuit closed")]
    public static partial void CircuitClosed(this ILogger logger, string backend);

    [LoggerMessage(9, LogLevel.Information, "[{Backend}] no first token after {Delay}: hedging with {Next}")]
    public static partial void Hedging(this ILogger logger, string backend, string delay, string next);

    [LoggerMessage(11, LogLevel.Information, "[{Backend}] deferred: {Reason}; tried once the others have failed")]
    public static partial void Deferred(this ILogger logger, string backend, string reason);

    [LoggerMessage(12, LogLevel.Information, "[{Backend}] has no {Wanted}: asking for {Model} ({How})")]
    public static partial void ModelSubstituted(this ILogger logger, string backend, string wanted, string model, string how);

    [LoggerMessage(10, LogLevel.Information, "[{Backend}] health {State}{Reason}")]
    public static partial void HealthChanged(this ILogger logger, string backend, string state, string reason);
}
