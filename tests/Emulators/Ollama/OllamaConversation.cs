using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentHost.Emulators.Ollama;

/// <summary>One message of a chat request as the Ollama emulator read it.</summary>
/// <param name="Role">The role (<c>system</c>, <c>user</c>, <c>assistant</c>, <c>tool</c>).</param>
/// <param name="Content">The text content (empty when none).</param>
/// <param name="ToolName">The tool name a <c>tool</c> message names, when given.</param>
/// <param name="HasToolCalls">Whether an assistant message carried tool calls.</param>
public sealed record OllamaChatMessage(string Role, string Content, string? ToolName = null, bool HasToolCalls = false);

/// <summary>A tool call the emulator answers with.</summary>
/// <param name="Name">The function name.</param>
/// <param name="Arguments">The arguments object.</param>
public sealed record OllamaToolCall(string Name, IReadOnlyDictionary<string, object?> Arguments);

/// <summary>What a chat request asked for, parsed liberally from either the native or the OpenAI shape.</summary>
internal sealed record OllamaConversation(string? Model, bool? Stream, IReadOnlyList<OllamaChatMessage> Messages, IReadOnlyList<string> ToolNames, bool HasKeepAlive, bool HasMessages)
{
    /// <summary>Parses a request body; null when it is not a JSON object.</summary>
    public static OllamaConversation? Parse(string body)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }

        if (root is not JsonObject obj)
        {
            return null;
        }

        var messages = new List<OllamaChatMessage>();
        var hasMessages = false;
        if (obj["messages"] is JsonArray array)
        {
            hasMessages = array.Count > 0;
            foreach (var item in array.OfType<JsonObject>())
            {
                messages.Add(new OllamaChatMessage(
                    Str(item["role"]) ?? "user",
                    ContentText(item["content"]),
                    Str(item["tool_name"]) ?? Str(item["name"]),
                    item["tool_calls"] is JsonArray { Count: > 0 }));
            }
        }

        var tools = new List<string>();
        if (obj["tools"] is JsonArray toolArray)
        {
            foreach (var tool in toolArray.OfType<JsonObject>())
            {
                if (Str(tool["function"]?["name"]) is { } name)
                {
                    tools.Add(name);
                }
            }
        }

        bool? stream = obj["stream"] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;
        return new OllamaConversation(Str(obj["model"]), stream, messages, tools, obj["keep_alive"] is not null, hasMessages);
    }

    /// <summary>The text of the last user message (empty when none).</summary>
    public string LastUserText => Messages.LastOrDefault(m => m.Role == "user")?.Content ?? string.Empty;

    /// <summary>The tool results that follow the last user message.</summary>
    public IReadOnlyList<OllamaChatMessage> ToolResultsAfterLastUser
    {
        get
        {
            var lastUser = -1;
            for (var i = 0; i < Messages.Count; i++)
            {
                if (Messages[i].Role == "user")
                {
                    lastUser = i;
                }
            }

            return Messages.Skip(lastUser + 1).Where(m => m.Role == "tool").ToList();
        }
    }

    /// <summary>A rough, deterministic prompt token count: words in every message.</summary>
    public int PromptTokens => Messages.Sum(m => Words(m.Content).Count) + 1;

    /// <summary>The default tool script: call the first tool with no arguments until a tool result follows the last user message.</summary>
    public static OllamaToolCall? DefaultToolCall(IReadOnlyList<OllamaChatMessage> messages, IReadOnlyList<string> toolNames)
    {
        if (toolNames.Count == 0)
        {
            return null;
        }

        var conversation = new OllamaConversation(null, null, messages, toolNames, false, messages.Count > 0);
        return conversation.ToolResultsAfterLastUser.Count == 0 ? new OllamaToolCall(toolNames[0], new Dictionary<string, object?>()) : null;
    }

    /// <summary>The answer text: the override, or <c>Ollama: </c> + the last user text, plus any tool results.</summary>
    public string AnswerText(Func<string, string>? answer)
    {
        if (answer is not null)
        {
            return answer(LastUserText);
        }

        var results = ToolResultsAfterLastUser;
        var text = "Ollama: " + LastUserText;
        return results.Count == 0 ? text : text + " (tool result: " + string.Join("; ", results.Select(r => ToolResultText(r.Content))) + ")";
    }

    /// <summary>Splits text into chunks of a few words, keeping the spaces so the chunks concatenate to the text.</summary>
    public static IReadOnlyList<string> Chunk(string text, int wordsPerChunk)
    {
        var chunks = new List<string>();
        var current = new StringBuilder();
        var words = 0;
        for (var i = 0; i < text.Length; i++)
        {
            current.Append(text[i]);
            if (text[i] == ' ' && (i + 1 >= text.Length || text[i + 1] != ' ') && ++words >= wordsPerChunk)
            {
                chunks.Add(current.ToString());
                current.Clear();
                words = 0;
            }
        }

        if (current.Length > 0)
        {
            chunks.Add(current.ToString());
        }

        return chunks;
    }

    /// <summary>The words of a text, lower-cased.</summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var c in text + " ")
        {
            if (char.IsLetterOrDigit(c))
            {
                current.Append(char.ToLowerInvariant(c));
            }
            else if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }

        return words;
    }

    // OllamaSharp sends a tool result as {"CallId": "...", "Result": ...}; real clients send the plain text.
    private static string ToolResultText(string content)
    {
        try
        {
            if (JsonNode.Parse(content) is JsonObject o && (o["Result"] ?? o["result"]) is { } result)
            {
                return result is JsonValue value && value.TryGetValue<string>(out var s) ? s : result.ToJsonString();
            }
        }
        catch (JsonException)
        {
        }

        return content;
    }

    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    // Native: a string. OpenAI: a string or an array of parts with "text".
    private static string ContentText(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonArray parts => string.Concat(parts.OfType<JsonObject>().Select(p => Str(p["text"]) ?? string.Empty)),
        _ => string.Empty,
    };
}
