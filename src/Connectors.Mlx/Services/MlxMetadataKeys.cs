namespace AgentHost.Connectors.Mlx;

/// <summary>
/// The keys <see cref="MlxChatClient"/> puts in the <c>AdditionalProperties</c> of its responses, messages and last
/// streamed update (which SK's <c>AsChatCompletionService</c> adapter turns into <c>Metadata</c>). Token counts are also
/// reported as MEAI's <c>UsageDetails</c> (<c>ChatResponse.Usage</c>, a <c>UsageContent</c> in the last update).
/// A key is present only when the server sent the value (<see cref="Protocol"/> always is): the MLX API Server's
/// <c>/api/generate</c> sends none of them; Ollama-style builds and <c>mlx_lm.server</c> do.
/// </summary>
public static class MlxMetadataKeys
{
    /// <summary>Tokens in the prompt (<c>prompt_eval_count</c> or <c>usage.prompt_tokens</c>), an <see cref="int"/>.</summary>
    public const string PromptTokens = "PromptTokens";

    /// <summary>Tokens generated (<c>eval_count</c> or <c>usage.completion_tokens</c>), an <see cref="int"/>.</summary>
    public const string CompletionTokens = "CompletionTokens";

    /// <summary>Why generation stopped (<c>done_reason</c> or <c>finish_reason</c>, e.g. <c>stop</c>, <c>length</c>), a <see cref="string"/>.</summary>
    public const string DoneReason = "DoneReason";

    /// <summary>The protocol that served the answer (<see cref="MlxProtocol"/> as text).</summary>
    public const string Protocol = "MlxProtocol";
}
