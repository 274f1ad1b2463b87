using System.Text;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Connectors.Mlx.Core;

/// <summary>
/// Renders a chat history into the single raw <c>prompt</c> of <c>/api/generate</c>, which the MLX API Server feeds to
/// the model without a chat template.
/// <list type="bullet">
/// <item>The leading system messages become a preamble, followed by a blank line (as the server's own clients send
/// <c>"{system}\n\n{prompt}"</c>).</item>
/// <item>A single user turn follows as it is, with no labels.</item>
/// <item>A longer conversation is written as a transcript, one <c>User:</c> / <c>Assistant:</c> (/ <c>System:</c> /
/// <c>Tool:</c>) turn per paragraph, ending with <c>Assistant:</c> so the model answers as the assistant.</item>
/// </list>
/// </summary>
internal static class MlxPromptRenderer
{
    public static string Render(IReadOnlyList<ChatMessageContent> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var start = 0;
        var preamble = new List<string>();
        while (start < history.Count && history[start].Role == AuthorRole.System)
        {
            AddIfText(preamble, history[start].Content);
            start++;
        }

        var turns = history.Skip(start).Where(m => !string.IsNullOrEmpty(m.Content)).ToList();
        var prompt = new StringBuilder();
        if (preamble.Count > 0)
        {
            prompt.AppendJoin('\n', preamble);
            if (turns.Count > 0)
            {
                prompt.Append("\n\n");
            }
        }

        if (turns is [{ } only] && only.Role == AuthorRole.User)
        {
            return prompt.Append(only.Content).ToString();
        }

        foreach (var turn in turns)
        {
            prompt.Append(Label(turn.Role)).Append(": ").Append(turn.Content).Append("\n\n");
        }

        if (turns.Count > 0)
        {
            prompt.Append(Label(AuthorRole.Assistant)).Append(':');
        }

        return prompt.ToString();
    }

    /// <summary>The role as OpenAI-style wire protocols spell it (<c>system</c>, <c>user</c>, <c>assistant</c>, <c>tool</c>).</summary>
    public static string WireRole(AuthorRole role) => role.Label.ToLowerInvariant();

    private static string Label(AuthorRole role) =>
        role == AuthorRole.User ? "User"
        : role == AuthorRole.Assistant ? "Assistant"
        : role == AuthorRole.System || role == AuthorRole.Developer ? "System"
        : role == AuthorRole.Tool ? "Tool"
        : role.Label;

    private static void AddIfText(List<string> parts, string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            parts.Add(text);
        }
    }
}
