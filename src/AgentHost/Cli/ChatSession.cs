using AgentHost.Fallback;
using Microsoft.Extensions.AI;

namespace AgentHost.Cli;

/// <summary>
/// One terminal conversation: the history and the turn-taking rules. A turn that fails leaves the history as it was
/// before the turn (no half-written answer is ever kept), so the conversation survives a backend dying mid-session.
/// </summary>
internal sealed class ChatSession(IChatClient chat, ChatOptions? options = null)
{
    private readonly List<ChatMessage> _history = [];

    /// <summary>The conversation so far: whole turns only.</summary>
    public IReadOnlyList<ChatMessage> History => _history;

    /// <summary>The last message whose turn failed, for <c>/retry</c>.</summary>
    public string? FailedMessage { get; private set; }

    /// <summary>Starts from <paramref name="history"/> (whole turns, e.g. a stored session's complete ones) instead of nothing.</summary>
    public void Load(IEnumerable<ChatMessage> history)
    {
        _history.Clear();
        _history.AddRange(history);
        FailedMessage = null;
    }

    /// <summary>Forgets the conversation.</summary>
    public void Clear()
    {
        _history.Clear();
        FailedMessage = null;
    }

    /// <summary>
    /// Streams one turn: <paramref name="onText"/> gets each piece of text as it arrives, <paramref name="onProgress"/>
    /// each backend the chain moved on from before the answer began. Returns the report of the backend that answered;
    /// throws (with the history untouched) when the turn failed.
    /// </summary>
    public async Task<FallbackReport?> SendAsync(string message, Func<string, Task> onText, CancellationToken cancellationToken,
        Func<FallbackProgress, Task>? onProgress = null)
    {
        var turn = new List<ChatMessage>(_history) { new(ChatRole.User, message) };
        var updates = new List<ChatResponseUpdate>();
        FallbackReport? report = null;
        try
        {
            await foreach (var update in chat.GetStreamingResponseAsync(turn, options, cancellationToken))
            {
                if (update.GetFallbackProgress() is { } progress)
                {
                    // Not part of the answer: told, never kept in the history.
                    if (onProgress is not null)
                    {
                        await onProgress(progress);
                    }

                    continue;
                }

                updates.Add(update);
                report = update.GetFallbackReport() ?? report;
                if (!string.IsNullOrEmpty(update.Text))
                {
                    await onText(update.Text);
                }
            }
        }
        catch
        {
            FailedMessage = message;
            throw;
        }

        FailedMessage = null;
        _history.Add(turn[^1]);
        _history.AddRange(updates.ToChatResponse().Messages);
        return report;
    }
}
