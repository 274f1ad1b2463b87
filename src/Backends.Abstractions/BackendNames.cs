namespace AgentHost.Backends;

/// <summary>The names of the built-in backends, as used in configuration and fallback orders.</summary>
public static class BackendNames
{
    /// <summary>The MLX API Server (or Apple's <c>mlx_lm.server</c>).</summary>
    public const string Mlx = "Mlx";

    /// <summary>Ollama, through OllamaSharp.</summary>
    public const string Ollama = "Ollama";

    /// <summary>The Victoria agent server.</summary>
    public const string Victoria = "Victoria";

    /// <summary>The in-process last resort: a local GGUF model run by llama.cpp through LLamaSharp.</summary>
    public const string Embedded = "Embedded";
}
