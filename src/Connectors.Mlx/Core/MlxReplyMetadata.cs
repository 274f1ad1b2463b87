using Microsoft.Extensions.AI;

namespace AgentHost.Connectors.Mlx.Core;

/// <summary>
/// What a reply says about itself, in MEAI's terms: <see cref="UsageDetails"/>, a <see cref="ChatFinishReason"/>, and the
/// <see cref="MlxMetadataKeys"/> in <c>AdditionalProperties</c> (which SK's adapter turns into <c>Metadata</c>). A value
/// is present only when the server sent it.
/// </summary>
internal sealed record MlxReplyMetadata(MlxProtocol Protocol, int? PromptTokens, int? CompletionTokens, string? DoneReason)
{
    /// <summary>Whether the server sent anything beyond the protocol (usage or a done reason).</summary>
    public bool HasServerValues => PromptTokens is not null || CompletionTokens is not null || DoneReason is not null;

    public AdditionalPropertiesDictionary Properties()
    {
        var properties = new AdditionalPropertiesDictionary { [MlxMetadataKeys.Protocol] = Protocol.ToString() };
        if (PromptTokens is { } p)
        {
            properties[MlxMetadataKeys.PromptTokens] = p;
        }

        if (CompletionTokens is { } c)
        {
            properties[MlxMetadataKeys.CompletionTokens] = c;
        }

        if (DoneReason is not null)
        {
            properties[MlxMetadataKeys.DoneReason] = DoneReason;
        }

        return properties;
    }

    public UsageDetails? Usage() => PromptTokens is null && CompletionTokens is null ? null : new UsageDetails
    {
        InputTokenCount = PromptTokens,
        OutputTokenCount = CompletionTokens,
        TotalTokenCount = PromptTokens + CompletionTokens,
    };

    /// <summary><c>stop</c> and <c>length</c> as MEAI's own reasons, another reason as it is, none when the server sent none.</summary>
    public ChatFinishReason? FinishReason() => DoneReason?.ToLowerInvariant() switch
    {
        null => null,
        "stop" => ChatFinishReason.Stop,
        "length" => ChatFinishReason.Length,
        _ => new ChatFinishReason(DoneReason),
    };
}
