namespace AgentHost.Connectors.Mlx;

/// <summary>Which of the MLX servers' HTTP protocols the connector speaks.</summary>
public enum MlxProtocol
{
    /// <summary>
    /// <c>POST /api/generate</c> of the MLX API Server (every build). The connector renders the system message and the
    /// whole history into <c>prompt</c>, because the server feeds the prompt to the model raw.
    /// </summary>
    Generate,

    /// <summary>
    /// <c>POST /api/chat</c> of newer MLX API Server builds. The server drops assistant messages from the history and
    /// answers in <c>/api/generate</c>'s streaming shape.
    /// </summary>
    Chat,

    /// <summary>OpenAI's <c>POST /v1/chat/completions</c> (with SSE streaming), as spoken by Apple's <c>mlx_lm.server</c>.</summary>
    OpenAI,
}

/// <summary>The priority sent in the MLX API Server's <c>X-Request-Priority</c> header.</summary>
public enum MlxRequestPriority
{
    /// <summary><c>high</c>: served first (e.g. interactive chat).</summary>
    High,

    /// <summary><c>medium</c>: the server's default.</summary>
    Medium,

    /// <summary><c>low</c>: background work.</summary>
    Low,
}
