namespace AgentHost.Backends;

/// <summary>What a backend can serve. The fallback chain skips a backend that cannot serve a request.</summary>
public sealed class BackendCapabilities
{
    /// <summary>Whether the backend accepts tool (function) definitions and returns tool calls.</summary>
    public bool SupportsTools { get; set; }

    /// <summary>Whether the backend streams tokens as they are generated (false: the answer arrives as one chunk).</summary>
    public bool SupportsTokenStreaming { get; set; } = true;

    /// <summary>Whether the backend honours a system message (directly or rendered into the prompt).</summary>
    public bool SupportsSystemPrompt { get; set; } = true;

    /// <summary>The context window in tokens, when known; <see langword="null"/> means unknown.</summary>
    public int? ContextWindow { get; set; }

    /// <summary>
    /// The longest silence a healthy stream of this backend can have between two updates (progress updates count), when
    /// it is longer than usual; the chain's stream idle timeout defaults to it. <see langword="null"/>: the chain's default.
    /// </summary>
    public TimeSpan? LongestStreamGap { get; set; }

    /// <summary>
    /// Whether the chain may ask the backend for embeddings, when its connector has an embedding generator (true by
    /// default; false switches embeddings off for this backend: the embedding chain skips it as "cannot embed").
    /// </summary>
    public bool SupportsEmbeddings { get; set; } = true;

    /// <summary>Copies these capabilities.</summary>
    public BackendCapabilities Clone() => (BackendCapabilities)MemberwiseClone();
}
