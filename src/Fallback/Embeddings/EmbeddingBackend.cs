using AgentHost.Fallback.Core;
using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Embeddings;

/// <summary>
/// One backend as the embedding chain uses it: its source, its embedding generator (made on first use, none when the
/// backend cannot embed) and, for the planner, a <see cref="FallbackBackend"/> over the source with the embedding
/// breaker (its own circuit, built from the backend's resilience settings: a missing embedding model must not open
/// the chat circuit).
/// </summary>
internal sealed class EmbeddingBackend
{
    /// <summary>The skip reason of a backend with no embedding generator, or with embeddings switched off.</summary>
    public const string CannotEmbedReason = "cannot embed";

    public EmbeddingBackend(ChainBackend source, FallbackBackend planned)
    {
        Source = source;
        Planned = planned;
    }

    public string Name => Source.Name;

    public ChainBackend Source { get; }

    /// <summary>The backend as the planner walks it: its options, health name and embedding breaker.</summary>
    public FallbackBackend Planned { get; }

    /// <summary>The backend's embedding generator, or null when it has none.</summary>
    public IEmbeddingGenerator<string, Embedding<float>>? Generator => Source.EmbeddingGenerator;

    /// <summary>The embedding model it asks for when a call names none, as its generator says.</summary>
    public string? DefaultModel => Generator?.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId;

    /// <summary>Why it cannot embed now (null: it can): no generator, or <c>Capabilities:SupportsEmbeddings</c> off.</summary>
    public string? CannotEmbed()
    {
        if (Generator is null)
        {
            return CannotEmbedReason;
        }

        try
        {
            return Planned.Options.Capabilities.SupportsEmbeddings ? null : CannotEmbedReason;
        }
        catch (Exception)
        {
            // Options that cannot be read: the planner reads them again and skips the backend with that reason.
            return null;
        }
    }
}
