using AgentHost.Fallback;
using Microsoft.Extensions.AI;

namespace Microsoft.SemanticKernel;

/// <summary>Reads the <see cref="FallbackReport"/> the chain attaches to SK's answers (messages, streamed chunks, function results).</summary>
public static class FallbackReportKernelExtensions
{
    /// <summary>The report in an SK message's metadata.</summary>
    public static FallbackReport? GetFallbackReport(this ChatMessageContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return FallbackReportExtensions.From(content.Metadata);
    }

    /// <summary>The report in an SK streamed message's metadata (first and last chunk).</summary>
    public static FallbackReport? GetFallbackReport(this StreamingChatMessageContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return FallbackReportExtensions.From(content.Metadata);
    }

    /// <summary>The report in an SK function result (a prompt function run through the chain).</summary>
    public static FallbackReport? GetFallbackReport(this FunctionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var value = result.GetValue<object>();
        return FallbackReportExtensions.From(result.Metadata) ?? (value as ChatMessageContent)?.GetFallbackReport() ?? (value as ChatResponse)?.GetFallbackReport();
    }

    /// <summary>The progress an SK streamed message carries, if any (see <see cref="FallbackReportExtensions.GetFallbackProgress(ChatResponseUpdate)"/>).</summary>
    public static FallbackProgress? GetFallbackProgress(this StreamingChatMessageContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return content.Metadata is { } m && m.TryGetValue(FallbackProgress.MetadataKey, out var value) ? value as FallbackProgress : null;
    }
}
