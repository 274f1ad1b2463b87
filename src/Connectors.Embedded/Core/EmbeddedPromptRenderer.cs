using System.Text;
using LLama;
using LLama.Transformers;
using Microsoft.Extensions.AI;

namespace AgentHost.Connectors.Embedded;

/// <summary>
/// Renders a chat into the model's prompt with the model's own chat template (the GGUF's <c>tokenizer.chat_template</c>,
/// applied by llama.cpp), ending with the start of the assistant's turn. Tool calls and results, which this backend
/// cannot make, are rendered as text so a conversation that used tools elsewhere still reads coherently.
/// </summary>
internal static class EmbeddedPromptRenderer
{
    public static string Render(LLamaWeights weights, IEnumerable<ChatMessage> messages)
    {
        var template = new LLamaTemplate(weights) { AddAssistant = true };
        foreach (var message in messages)
        {
            var text = TextOf(message);
            if (text.Length == 0)
            {
                continue;
            }

            template.Add(RoleOf(message.Role), text);
        }

        return PromptTemplateTransformer.ToModelPrompt(template);
    }

    private static string RoleOf(ChatRole role) =>
        role == ChatRole.System ? "system"
        : role == ChatRole.Assistant ? "assistant"
        : role == ChatRole.Tool ? "tool"
        : "user";

    private static string TextOf(ChatMessage message)
    {
        var text = new StringBuilder();
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent t:
                    text.Append(t.Text);
                    break;
                case FunctionCallContent call:
                    text.Append(text.Length > 0 ? "\n" : string.Empty).Append("[called ").Append(call.Name).Append(']');
                    break;
                case FunctionResultContent result:
                    text.Append(text.Length > 0 ? "\n" : string.Empty).Append(result.Result?.ToString());
                    break;
            }
        }

        return text.ToString();
    }
}
