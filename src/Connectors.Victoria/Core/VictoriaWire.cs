using System.Text.Json.Serialization;

namespace AgentHost.Connectors.Victoria.Core;

/// <summary>The body of <c>POST /run</c> and <c>POST /stream</c> (Victoria's <c>TaskRequest</c>).</summary>
internal sealed class VictoriaRunRequest
{
    [JsonPropertyName("goal")]
    public required string Goal { get; init; }

    [JsonPropertyName("max_steps")]
    public int? MaxSteps { get; init; }

    [JsonPropertyName("project_context")]
    public string? ProjectContext { get; init; }

    [JsonPropertyName("session_id")]
    public string? SessionId { get; init; }

    [JsonPropertyName("chat_history")]
    public IReadOnlyList<VictoriaExchange>? ChatHistory { get; init; }

    /// <summary>Which route the request goes to (<c>/run</c> or <c>/plan</c>); not part of the body.</summary>
    [JsonIgnore]
    public VictoriaOperation Operation { get; init; }
}

/// <summary>The body of <c>POST /plan</c> (Victoria's <c>PlanRequest</c>: the goal; <c>project_context</c> as the seed's client sends it).</summary>
internal sealed record VictoriaPlanRequest(
    [property: JsonPropertyName("goal")] string Goal,
    [property: JsonPropertyName("project_context")] string? ProjectContext);

/// <summary>One earlier exchange in <c>chat_history</c>.</summary>
internal sealed record VictoriaExchange(
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("assistant")] string Assistant);

/// <summary>The body other deployments take when <c>{"goal"}</c> does not validate (422).</summary>
internal sealed record VictoriaPromptRequest([property: JsonPropertyName("prompt")] string Prompt);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(VictoriaRunRequest))]
[JsonSerializable(typeof(VictoriaPromptRequest))]
[JsonSerializable(typeof(VictoriaPlanRequest))]
internal sealed partial class VictoriaJsonContext : JsonSerializerContext;
