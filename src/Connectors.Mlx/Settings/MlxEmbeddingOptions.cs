namespace AgentHost.Connectors.Mlx;

/// <summary>
/// Embeddings of the MLX backend, bound from <c>AgentHost:Backends:Mlx:Embeddings</c>: an OpenAI-shaped route
/// (<c>POST {Path}</c> with <c>{"model","input":[...]}</c>, answering <c>{"data":[{"index","embedding"}]}</c>), for
/// servers that have one. The MLX API Server's public source has no embeddings route, so it is off by default.
/// </summary>
public sealed class MlxEmbeddingOptions
{
    /// <summary>The route, e.g. <c>/v1/embeddings</c>; null or empty: the backend cannot embed.</summary>
    public string? Path { get; set; }

    /// <summary>The model asked for when a call names none; null: <see cref="AgentHost.Backends.BackendOptions.Model"/>, else the server's default.</summary>
    public string? Model { get; set; }
}
