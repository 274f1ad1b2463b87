using AgentHost.Fallback;

namespace Microsoft.Extensions.AI;

/// <summary>Reads the <see cref="FallbackReport"/> the chain attaches to its answers (MEAI types; SK's in <c>FallbackReportKernelExtensions</c>).</summary>
public static class FallbackReportExtensions
{
    /// <summary>The report of the model call that produced <paramref name="response"/> (the last call, under function invocation).</summary>
    public static FallbackReport? GetFallbackReport(this ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return From(response.AdditionalProperties) ?? response.Messages.Select(m => From(m.AdditionalProperties)).LastOrDefault(r => r is not null);
    }

    /// <summary>The report carried by a message the chain produced.</summary>
    public static FallbackReport? GetFallbackReport(this ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return From(message.AdditionalProperties);
    }

    /// <summary>The report carried by a streamed update: the first (a snapshot, <see cref="FallbackReport.IsComplete"/> false) and the last (complete).</summary>
    public static FallbackReport? GetFallbackReport(this ChatResponseUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        return From(update.AdditionalProperties);
    }

    /// <summary>The report of the embedding call that produced <paramref name="embeddings"/> (<see cref="FallbackEmbeddingGenerator"/>).</summary>
    public static FallbackReport? GetFallbackReport(this GeneratedEmbeddings<Embedding<float>> embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        return From(embeddings.AdditionalProperties);
    }

    /// <summary>The report of a failed call: on <see cref="FallbackExhaustedException"/>, <see cref="FallbackStreamInterruptedException"/>, or a caller error the chain surfaced.</summary>
    public static FallbackReport? GetFallbackReport(this Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            FallbackExhaustedException e => e.Report,
            FallbackStreamInterruptedException s => s.Report,
            _ => exception.Data[FallbackReport.MetadataKey] as FallbackReport,
        };
    }

    /// <summary>The progress a streamed update carries (the chain moving on to the next backend before any content), if any.</summary>
    public static FallbackProgress? GetFallbackProgress(this ChatResponseUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        return update.AdditionalProperties is { } p && p.TryGetValue(FallbackProgress.MetadataKey, out var value) ? value as FallbackProgress : null;
    }

    internal static FallbackReport? From(IReadOnlyDictionary<string, object?>? properties) =>
        properties is not null && properties.TryGetValue(FallbackReport.MetadataKey, out var value) ? value as FallbackReport : null;
}
