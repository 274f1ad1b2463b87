using System.Text;
using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Streaming;

/// <summary>
/// Gathers consecutive text-only updates of one message into one update. Not thread safe: one consumer's state.
/// </summary>
internal sealed class UpdateMerger
{
    private readonly StringBuilder _text = new();
    private ChatResponseUpdate? _first;
    private int _count;

    /// <summary>How many updates are gathered.</summary>
    public int Count => _count;

    /// <summary>Adds <paramref name="update"/> when it is text only and belongs with what is gathered; false otherwise.</summary>
    public bool TryAdd(ChatResponseUpdate update)
    {
        if (!IsTextOnly(update) || (_first is not null && !SameMessage(_first, update)))
        {
            return false;
        }

        if (_count++ == 0)
        {
            _first = update;
        }

        foreach (var content in update.Contents)
        {
            _text.Append(((TextContent)content).Text);
        }

        return true;
    }

    /// <summary>The gathered updates as one (the update itself when alone), or null when none; starts over.</summary>
    public ChatResponseUpdate? TakeMerged()
    {
        var first = _first;
        var count = _count;
        var text = _text.ToString();
        _first = null;
        _count = 0;
        _text.Clear();
        if (first is null || count == 1)
        {
            return first;
        }

        return new ChatResponseUpdate(first.Role, text)
        {
            AuthorName = first.AuthorName,
            MessageId = first.MessageId,
            ResponseId = first.ResponseId,
            ConversationId = first.ConversationId,
            ModelId = first.ModelId,
            CreatedAt = first.CreatedAt,
        };
    }

    private static bool IsTextOnly(ChatResponseUpdate update) =>
        update.Contents.Count > 0
        && update.FinishReason is null
        && update.AdditionalProperties is not { Count: > 0 }
        && update.Contents.All(c => c is TextContent { AdditionalProperties: not { Count: > 0 }, Annotations: not { Count: > 0 } });

    private static bool SameMessage(ChatResponseUpdate a, ChatResponseUpdate b) =>
        a.Role == b.Role
        && a.AuthorName == b.AuthorName
        && a.MessageId == b.MessageId
        && a.ResponseId == b.ResponseId
        && a.ConversationId == b.ConversationId
        && a.ModelId == b.ModelId;
}
