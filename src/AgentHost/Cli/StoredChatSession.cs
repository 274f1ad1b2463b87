using System.Globalization;
using AgentHost.Conversations;
using Microsoft.Extensions.AI;

namespace AgentHost.Cli;

/// <summary>
/// <c>chat --session NAME</c>: the conversation NAME in the store. Resuming shows every stored turn and gives back the
/// complete ones as history (an interrupted or failed turn is shown, never sent to the model again); each new turn is
/// stored as it ends. A store that fails is one line on stderr: the chat goes on, unstored.
/// </summary>
internal sealed class StoredChatSession(IConversationStore store, string name, TextWriter messages)
{
    /// <summary>The session's name (its conversation id).</summary>
    public string Name => name;

    /// <summary>Loads the stored turns, shows them on <c>messages</c> with <c>resumed NAME: K turns</c>, and returns the history to send.</summary>
    public async Task<IReadOnlyList<ChatMessage>> ResumeAsync(CancellationToken cancellationToken)
    {
        Conversation? conversation;
        try
        {
            conversation = await store.GetAsync(name, cancellationToken);
        }
        catch (ConversationStoreException e)
        {
            await messages.WriteLineAsync($"[session {name} could not be loaded: {e.Message} — starting without its history]");
            return [];
        }

        if (conversation is null)
        {
            await messages.WriteLineAsync($"new session {name}");
            return [];
        }

        var history = new List<ChatMessage>();
        for (var i = 0; i + 1 < conversation.Messages.Count; i += 2)
        {
            var (question, answer) = (conversation.Messages[i], conversation.Messages[i + 1]);
            await messages.WriteLineAsync($"you> {question.Text}");
            var note = answer.Status switch
            {
                TurnStatus.Complete => "",
                _ => $" [{answer.Status.ToName()}{(answer.Error is { } error ? $": {error}" : "")} — not sent to the model]",
            };
            await messages.WriteLineAsync($"assistant> {answer.Text}{note}");
            if (answer.Status == TurnStatus.Complete)
            {
                history.Add(new ChatMessage(ChatRole.User, question.Text));
                history.Add(new ChatMessage(ChatRole.Assistant, answer.Text));
            }
        }

        await messages.WriteLineAsync($"resumed {name}: {conversation.Turns} turns");
        return history;
    }

    /// <summary>Stores <paramref name="turn"/>; a failure is one line, the chat goes on.</summary>
    public async Task RecordAsync(ConversationTurn turn)
    {
        try
        {
            // Not the chat's token: a turn cut by Ctrl+C is still stored (as interrupted); the store has its own deadline.
            await store.AppendTurnAsync(name, turn, CancellationToken.None);
        }
        catch (ConversationStoreException e)
        {
            await messages.WriteLineAsync($"[this turn was not stored: {e.Message}]");
        }
    }

    /// <summary><c>/clear</c> in a session: the stored conversation is deleted too, so the session starts fresh (also when resumed later).</summary>
    public async Task ClearAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.DeleteAsync(name, cancellationToken);
            await messages.WriteLineAsync($"(conversation cleared; session {name} deleted from storage)");
        }
        catch (ConversationStoreException e)
        {
            await messages.WriteLineAsync($"(conversation cleared here, but session {name} could not be deleted: {e.Message})");
        }
    }

    /// <summary><c>chat --list-sessions</c>: one line per stored session (id, updated, turns, title), newest first, on <paramref name="output"/>.</summary>
    public static async Task<int> ListAsync(IConversationStore store, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        IReadOnlyList<ConversationSummary> sessions;
        try
        {
            sessions = await store.ListAsync(cancellationToken: cancellationToken);
        }
        catch (ConversationStoreException e)
        {
            await errors.WriteLineAsync(e.Message);
            return CommandHost.ExitNoAnswer;
        }

        if (sessions.Count == 0)
        {
            await errors.WriteLineAsync("(no stored sessions; start one with chat --session NAME)");
            return CommandHost.ExitOk;
        }

        var width = Math.Max(2, sessions.Max(s => s.Id.Length));
        foreach (var s in sessions)
        {
            var updated = s.UpdatedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
            await output.WriteLineAsync($"{s.Id.PadRight(width)}  {updated}  {s.Turns,4} turn{(s.Turns == 1 ? " " : "s")}  {s.Title}");
        }

        return CommandHost.ExitOk;
    }
}
