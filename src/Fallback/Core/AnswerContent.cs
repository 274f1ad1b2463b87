using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Core;

/// <summary>What counts as part of an answer: text, reasoning, a tool call, data. Usage, errors and empty text do not.</summary>
internal static class AnswerContent
{
    public static bool Is(AIContent content) => content switch
    {
        TextContent text => !string.IsNullOrEmpty(text.Text),
        TextReasoningContent reasoning => !string.IsNullOrEmpty(reasoning.Text),
        UsageContent or ErrorContent => false,
        _ => true,
    };

    public static bool In(IList<AIContent> contents)
    {
        for (var i = 0; i < contents.Count; i++)
        {
            if (Is(contents[i]))
            {
                return true;
            }
        }

        return false;
    }

    public static bool In(ChatResponse response)
    {
        var messages = response.Messages;
        for (var i = 0; i < messages.Count; i++)
        {
            if (In(messages[i].Contents))
            {
                return true;
            }
        }

        return false;
    }
}
