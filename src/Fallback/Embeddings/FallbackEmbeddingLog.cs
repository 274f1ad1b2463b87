using Microsoft.Extensions.Logging;

namespace AgentHost.Fallback.Embeddings;

/// <summary>The embedding chain's log lines: one per attempt.</summary>
internal static partial class FallbackEmbeddingLog
{
    [LoggerMessage(101, LogLevel.Information, "[{Backend}] embedded {Count} inputs in {Duration}")]
    public static partial void Embedded(this ILogger logger, string backend, int count, string duration);

    [LoggerMessage(102, LogLevel.Warning, "[{Backend}] embedding failed: {Error}")]
    public static partial void EmbeddingFailed(this ILogger logger, string backend, string error);

    [LoggerMessage(103, LogLevel.Information, "[{Backend}] not asked to embed: {Reason}")]
    public static partial void EmbeddingSkipped(this ILogger logger, string backend, string reason);
}
