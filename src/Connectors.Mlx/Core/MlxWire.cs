using System.Text.Json.Serialization;

namespace AgentHost.Connectors.Mlx.Core;

/// <summary><c>POST /api/generate</c>: only prompt, model, category, max_tokens, temperature and stream are read by the server.</summary>
internal sealed class GenerateRequest
{
    [JsonPropertyName("prompt")] public required string Prompt { get; init; }
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("category")] public string? Category { get; init; }
    [JsonPropertyName("max_tokens")] public int MaxTokens { get; init; }
    [JsonPropertyName("temperature")] public float? Temperature { get; init; }
    [JsonPropertyName("stream")] public bool Stream { get; init; }

    /// <summary>For Ollama-style builds; the MLX API Server drops it.</summary>
    [JsonPropertyName("options")] public WireOptions? Options { get; init; }
}

/// <summary><c>POST /api/chat</c> of newer MLX API Server builds (Ollama's shape; <c>model</c> is required there).</summary>
internal sealed class ChatRequest
{
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("messages")] public required IReadOnlyList<WireMessage> Messages { get; init; }
    [JsonPropertyName("stream")] public bool Stream { get; init; }
    [JsonPropertyName("category")] public string? Category { get; init; }
    [JsonPropertyName("max_tokens")] public int MaxTokens { get; init; }
    [JsonPropertyName("options")] public WireOptions? Options { get; init; }
}

/// <summary><c>POST /v1/chat/completions</c> (OpenAI's shape, as <c>mlx_lm.server</c> reads it).</summary>
internal sealed class OpenAIChatRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("messages")] public required IReadOnlyList<WireMessage> Messages { get; init; }
    [JsonPropertyName("max_tokens")] public int MaxTokens { get; init; }
    [JsonPropertyName("temperature")] public float? Temperature { get; init; }
    [JsonPropertyName("top_p")] public float? TopP { get; init; }
    [JsonPropertyName("stop")] public IList<string>? Stop { get; init; }
    [JsonPropertyName("stream")] public bool Stream { get; init; }
}

internal sealed class WireOptions
{
    [JsonPropertyName("num_predict")] public int? NumPredict { get; init; }
    [JsonPropertyName("temperature")] public float? Temperature { get; init; }
    [JsonPropertyName("top_p")] public float? TopP { get; init; }
    [JsonPropertyName("stop")] public IList<string>? Stop { get; init; }
}

internal sealed class WireMessage
{
    [JsonPropertyName("role")] public required string Role { get; init; }
    [JsonPropertyName("content")] public required string Content { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GenerateRequest))]
[JsonSerializable(typeof(ChatRequest))]
[JsonSerializable(typeof(OpenAIChatRequest))]
internal sealed partial class MlxJsonContext : JsonSerializerContext;
