using System.Text;
using Microsoft.Extensions.AI;
using PromptExecutionSettings = Microsoft.SemanticKernel.PromptExecutionSettings;

namespace AgentHost.Connectors.Victoria.Core;

/// <summary>
/// Maps a chat onto Victoria's run request: the last user message is the goal, system messages (and
/// <see cref="ChatOptions.Instructions"/>) go before it as a preamble (Victoria whitelists <c>project_context</c>),
/// earlier turns become <c>chat_history</c> pairs.
/// </summary>
internal static class VictoriaRequestMapper
{
    /// <summary>Victoria reads at most the last 30 pairs of <c>chat_history</c>.</summary>
    public const int MaxHistoryPairs = 30;

    private static readonly ChatRole Developer = new("developer");

    /// <summary>
    /// Maps one call: <c>max_steps</c> and <c>session_id</c> come from <see cref="ChatOptions.AdditionalProperties"/>
    /// (read as <see cref="VictoriaPromptExecutionSettings.FromExecutionSettings"/> reads extension data, so SK settings
    /// that crossed SK's <c>AsChatCompletionService</c> adapter still count).
    /// </summary>
    public static VictoriaRunRequest Map(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions, VictoriaOptions options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        List<ChatMessage> chat = [.. messages];
        if (!string.IsNullOrWhiteSpace(chatOptions?.Instructions))
        {
            chat.Insert(0, new ChatMessage(ChatRole.System, chatOptions.Instructions));
        }

        var settings = VictoriaPromptExecutionSettings.FromExecutionSettings(new PromptExecutionSettings
        {
            ModelId = chatOptions?.ModelId,
            ExtensionData = chatOptions?.AdditionalProperties?.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!),
        });
        return Map(chat, settings, options);
    }

    public static VictoriaRunRequest Map(IReadOnlyList<ChatMessage> chatHistory, VictoriaPromptExecutionSettings settings, VictoriaOptions options)
    {
        ArgumentNullException.ThrowIfNull(chatHistory);
        var lastUser = -1;
        for (var i = chatHistory.Count - 1; i >= 0; i--)
        {
            if (chatHistory[i].Role == ChatRole.User)
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
            .Where(m => m.Role == ChatRole.System || m.Role == Developer)
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
            Operation = settings.Operation ?? VictoriaOperation.Run,
        };
    }

    /// <summary>Pairs each user turn with the assistant turn after it; unmatched turns get an empty partner.</summary>
    private static List<VictoriaExchange> Pairs(IEnumerable<ChatMessage> earlier)
    {
        var pairs = new List<VictoriaExchange>();
        string? pendingUser = null;
        foreach (var message in earlier)
        {
            if (message.Role == ChatRole.User)
            {
                if (pendingUser is not null)
                {
                    pairs.Add(new VictoriaExchange(pendingUser, string.Empty));
                }

                pendingUser = TextOf(message);
            }
            else if (message.Role == ChatRole.Assistant)
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

    /// <summary>The message's text parts, one per line (images and other parts are dropped).</summary>
    private static string TextOf(ChatMessage message)
    {
        var text = new StringBuilder();
        foreach (var item in message.Contents.OfType<TextContent>())
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
