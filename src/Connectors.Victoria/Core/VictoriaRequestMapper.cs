using System.Text;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Connectors.Victoria.Core;

/// <summary>
/// Maps an SK chat history onto Victoria's run request: the last user message is the goal, system messages go
/// before it as a preamble (Victoria whitelists <c>project_context</c>), earlier turns become <c>chat_history</c> pairs.
/// </summary>
internal static class VictoriaRequestMapper
{
    /// <summary>Victoria reads at most the last 30 pairs of <c>chat_history</c>.</summary>
    public const int MaxHistoryPairs = 30;

    public static VictoriaRunRequest Map(ChatHistory chatHistory, VictoriaPromptExecutionSettings settings, VictoriaOptions options)
    {
        ArgumentNullException.ThrowIfNull(chatHistory);
        var lastUser = -1;
        for (var i = chatHistory.Count - 1; i >= 0; i--)
        {
            if (chatHistory[i].Role == AuthorRole.User)
            {
                lastUser = i;
                break;
            }
        }

        if (lastUser < 0)
        {
            throw new ArgumentException("Victoria needs a user message to use as the goal; the chat history has none.", nameof(chatHistory));
        }

        var system = string.Join("\n\n", chatHistory
            .Where(m => m.Role == AuthorRole.System || m.Role == AuthorRole.Developer)
            .Select(TextOf)
            .Where(t => !string.IsNullOrWhiteSpace(t)));
        var user = TextOf(chatHistory[lastUser]);
        var goal = system.Length == 0 ? user : $"{system}\n\n{user}";

        var pairs = Pairs(chatHistory.Take(lastUser));
        return new VictoriaRunRequest
        {
            Goal = goal,
            MaxSteps = settings.MaxSteps ?? options.MaxSteps,
            ProjectContext = string.IsNullOrWhiteSpace(options.ProjectContext) ? null : options.ProjectContext,
            SessionId = string.IsNullOrWhiteSpace(settings.SessionId) ? null : settings.SessionId,
            ChatHistory = pairs.Count == 0 ? null : pairs,
        };
    }

    /// <summary>Pairs each user turn with the assistant turn after it; unmatched turns get an empty partner.</summary>
    private static List<VictoriaExchange> Pairs(IEnumerable<ChatMessageContent> earlier)
    {
        var pairs = new List<VictoriaExchange>();
        string? pendingUser = null;
        foreach (var message in earlier)
        {
            if (message.Role == AuthorRole.User)
            {
                if (pendingUser is not null)
                {
                    pairs.Add(new VictoriaExchange(pendingUser, string.Empty));
                }

                pendingUser = TextOf(message);
            }
            else if (message.Role == AuthorRole.Assistant)
            {
                var text = TextOf(message);
                if (pendingUser is null && text.Length == 0)
                {
                    continue; // e.g. an assistant turn that only called tools
                }

                pairs.Add(new VictoriaExchange(pendingUser ?? string.Empty, text));
                pendingUser = null;
            }
        }

        if (pendingUser is not null)
        {
            pairs.Add(new VictoriaExchange(pendingUser, string.Empty));
        }

        return pairs.Count > MaxHistoryPairs ? pairs.GetRange(pairs.Count - MaxHistoryPairs, MaxHistoryPairs) : pairs;
    }

    private static string TextOf(ChatMessageContent message)
    {
        if (message.Items.Count <= 1)
        {
            return message.Content ?? string.Empty;
        }

        var text = new StringBuilder();
        foreach (var item in message.Items.OfType<TextContent>())
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(item.Text);
        }

        return text.ToString();
    }
}
