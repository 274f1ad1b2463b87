using System.Xml;
using System.Xml.Linq;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Agents;

/// <summary>
/// The opening of an agent's conversation. Inline instructions become the system message and the goal the user
/// message. A rendered prompt template in SK's chat form (<c>&lt;message role="..."&gt;</c> blocks) becomes those
/// messages, in order; the goal (passed to the template as <c>goal</c> and <c>input</c>) is added as a user message only
/// when the template has none. Any other rendered text is the system message.
/// </summary>
internal static class AgentConversation
{
    /// <summary>The history an agent run starts from.</summary>
    public static ChatHistory Start(string instructions, string goal, bool fromPrompt)
    {
        var history = new ChatHistory();
        if (fromPrompt && TryParseMessages(instructions) is { Count: > 0 } messages)
        {
            foreach (var (role, text) in messages)
            {
                history.AddMessage(role, text);
            }

            if (!messages.Any(m => m.Role == AuthorRole.User))
            {
                history.AddUserMessage(goal);
            }

            return history;
        }

        history.AddSystemMessage(instructions.Trim());
        history.AddUserMessage(goal);
        return history;
    }

    private static List<(AuthorRole Role, string Text)>? TryParseMessages(string rendered)
    {
        if (!rendered.Contains("<message", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var root = XElement.Parse("<root>" + rendered + "</root>", LoadOptions.PreserveWhitespace);
            var messages = root.Elements("message").Select(m => (Role(m.Attribute("role")?.Value), m.Value.Trim())).ToList();
            return messages.Any(m => m.Item1 is null) ? null : [.. messages.Select(m => (m.Item1!.Value, m.Item2))];
        }
        catch (XmlException)
        {
            return null;
        }
    }

    private static AuthorRole? Role(string? role) => role?.ToLowerInvariant() switch
    {
        "system" => AuthorRole.System,
        "user" => AuthorRole.User,
        "assistant" => AuthorRole.Assistant,
        "developer" => AuthorRole.Developer,
        _ => null,
    };
}
