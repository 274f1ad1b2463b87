using System.Text;
using Microsoft.Extensions.AI;

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
    /// <summary>The role SK's <c>AuthorRole.Developer</c> becomes in MEAI (MEAI has no constant for it).</summary>
    private static readonly ChatRole Developer = new("developer");

    public static string Render(IReadOnlyList<ChatMessage> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var start = 0;
        var preamble = new List<string>();
        while (start < history.Count && history[start].Role == ChatRole.System)
        {
            AddIfText(preamble, history[start].Text);
            start++;
        }

        var turns = history.Skip(start).Where(m => !string.IsNullOrEmpty(m.Text)).ToList();
        var prompt = new StringBuilder();
        if (preamble.Count > 0)
        {
            prompt.AppendJoin('\n', preamble);
            if (turns.Count > 0)
            {
                prompt.Append("\n\n");
            }
        }

        if (turns is [{ } only] && only.Role == ChatRole.User)
        {
            return prompt.Append(only.Text).ToString();
        }

        foreach (var turn in turns)
        {
            prompt.Append(Label(turn.Role)).Append(": ").Append(turn.Text).Append("\n\n");
        }

        if (turns.Count > 0)
        {
            prompt.Append(Label(ChatRole.Assistant)).Append(':');
        }

        return prompt.ToString();
    }

    /// <summary>The role as OpenAI-style wire protocols spell it (<c>system</c>, <c>user</c>, <c>assistant</c>, <c>tool</c>).</summary>
    public static string WireRole(ChatRole role) => role.Value.ToLowerInvariant();

    private static string Label(ChatRole role) =>
        role == ChatRole.User ? "User"
        : role == ChatRole.Assistant ? "Assistant"
        : role == ChatRole.System || role == Developer ? "System"
        : role == ChatRole.Tool ? "Tool"
        : role.Value;

    private static void AddIfText(List<string> parts, string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            parts.Add(text);
        }
    }
}
