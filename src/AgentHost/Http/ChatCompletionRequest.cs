using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using static AgentHost.Http.JsonRequestValues;

namespace AgentHost.Http;

/// <summary>An OpenAI <c>POST /v1/chat/completions</c> request, read into MEAI terms.</summary>
/// <param name="Model">The model the caller named (<see langword="null"/> when none): a route, a served model, or the chain's own id.</param>
/// <param name="Messages">The conversation.</param>
/// <param name="Options">Sampling, stop sequences, tools.</param>
/// <param name="Stream">Whether the answer is streamed as SSE.</param>
/// <param name="IncludeUsage">Whether a streamed answer ends with a usage chunk (<c>stream_options.include_usage</c>).</param>
internal sealed record ChatCompletionRequest(string? Model, IReadOnlyList<ChatMessage> Messages, ChatOptions Options, bool Stream, bool IncludeUsage);

/// <summary>
/// Reads an OpenAI chat request liberally where OpenAI is (nulls as absent, unknown fields ignored) and strictly where a
/// wrong value would silently change the answer (roles, types, ranges, <c>n</c>): those throw
/// <see cref="OpenAIRequestException"/> naming the parameter.
/// </summary>
internal static partial class ChatCompletionRequestParser
{
    /// <summary>Reads the request; <c>model</c> is kept as given (the endpoint resolves it with the router).</summary>
    public static ChatCompletionRequest Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw OpenAIRequestException.Invalid($"The request body must be a JSON object, not {Describe(root)}.", null);
        }

        var model = String(root, "model");
        var messages = Messages(root);
        var n = Integer(root, "n", 1, 128);
        if (n is not null and not 1)
        {
            throw OpenAIRequestException.Invalid($"Only n=1 is supported (got {n}).", "n", "unsupported_value");
        }

        var options = new ChatOptions
        {
            Temperature = Number(root, "temperature", 0, 2),
            TopP = Number(root, "top_p", 0, 1),
            MaxOutputTokens = Integer(root, "max_completion_tokens", 1, int.MaxValue) ?? Integer(root, "max_tokens", 1, int.MaxValue),
            FrequencyPenalty = Number(root, "frequency_penalty", -2, 2),
            PresencePenalty = Number(root, "presence_penalty", -2, 2),
            Seed = Integer(root, "seed", int.MinValue, int.MaxValue),
            StopSequences = Stop(root),
            ResponseFormat = ResponseFormat(root),
        };
        Tools(root, options);
        var stream = Boolean(root, "stream") ?? false;
        var includeUsage = false;
        if (Get(root, "stream_options") is { } streamOptions)
        {
            Expect(streamOptions, JsonValueKind.Object, "stream_options", "an object");
            includeUsage = Boolean(streamOptions, "include_usage", "stream_options.include_usage") ?? false;
        }

        return new ChatCompletionRequest(model, messages, options, stream, includeUsage);
    }

    private static List<ChatMessage> Messages(JsonElement root)
    {
        if (Get(root, "messages") is not { } array)
        {
            throw OpenAIRequestException.Invalid("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
        }

        Expect(array, JsonValueKind.Array, "messages", "an array");
        if (array.GetArrayLength() == 0)
        {
            throw OpenAIRequestException.Invalid("'messages' must hold at least one message.", "messages", "empty_array");
        }

        var messages = new List<ChatMessage>();
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            messages.Add(Message(item, $"messages[{i++}]"));
        }

        return messages;
    }

    private static ChatMessage Message(JsonElement item, string at)
    {
        Expect(item, JsonValueKind.Object, at, "an object");
        var role = String(item, "role", $"{at}.role")
            ?? throw OpenAIRequestException.Invalid($"Missing required parameter: '{at}.role'.", $"{at}.role", "missing_required_parameter");
        var message = new ChatMessage { AuthorName = String(item, "name", $"{at}.name") };
        switch (role)
        {
            case "system" or "developer":
                message.Role = ChatRole.System;
                message.Contents = [new TextContent(Content(item, at, required: true))];
                break;
            case "user":
                message.Role = ChatRole.User;
                message.Contents = [new TextContent(Content(item, at, required: true))];
                break;
            case "assistant":
                message.Role = ChatRole.Assistant;
                var calls = ToolCalls(item, at);
                var text = Content(item, at, required: calls.Count == 0);
                message.Contents = [.. (text.Length > 0 || calls.Count == 0 ? [new TextContent(text)] : Array.Empty<AIContent>()), .. calls];
                break;
            case "tool":
                message.Role = ChatRole.Tool;
                var callId = String(item, "tool_call_id", $"{at}.tool_call_id")
                    ?? throw OpenAIRequestException.Invalid($"Missing required parameter: '{at}.tool_call_id'.", $"{at}.tool_call_id", "missing_required_parameter");
                message.Contents = [new FunctionResultContent(callId, Content(item, at, required: true))];
                break;
            default:
                throw OpenAIRequestException.Invalid(
                    $"Invalid value '{role}' for '{at}.role': expected one of 'system', 'developer', 'user', 'assistant', 'tool'.", $"{at}.role", "invalid_value");
        }

        return message;
    }

    /// <summary>The text of <c>content</c>: a string, or an array of <c>{"type":"text","text"}</c> parts joined.</summary>
    private static string Content(JsonElement item, string at, bool required)
    {
        var param = $"{at}.content";
        switch (Get(item, "content"))
        {
            case null when required:
                throw OpenAIRequestException.Invalid($"Missing required parameter: '{param}'.", param, "missing_required_parameter");
            case null:
                return string.Empty;
            case { ValueKind: JsonValueKind.String } s:
                return s.GetString()!;
            case { ValueKind: JsonValueKind.Array } parts:
                var text = new System.Text.StringBuilder();
                var j = 0;
                foreach (var part in parts.EnumerateArray())
                {
                    var partAt = $"{param}[{j++}]";
                    Expect(part, JsonValueKind.Object, partAt, "an object");
                    var type = String(part, "type", $"{partAt}.type");
                    if (type is not ("text" or "input_text"))
                    {
                        throw OpenAIRequestException.Invalid(
                            $"Unsupported content part type '{type ?? "(none)"}' in '{partAt}': only text parts are supported.", $"{partAt}.type", "unsupported_value");
                    }

                    text.Append(String(part, "text", $"{partAt}.text")
                        ?? throw OpenAIRequestException.Invalid($"Missing required parameter: '{partAt}.text'.", $"{partAt}.text", "missing_required_parameter"));
                }

                return text.ToString();
            case { } other:
                throw OpenAIRequestException.Invalid($"Invalid type for '{param}': expected a string or an array of text parts, got {Describe(other)}.", param, "invalid_type");
        }
    }

    private static List<FunctionCallContent> ToolCalls(JsonElement item, string at)
    {
        var calls = new List<FunctionCallContent>();
        if (Get(item, "tool_calls") is not { } array)
        {
            return calls;
        }

        Expect(array, JsonValueKind.Array, $"{at}.tool_calls", "an array");
        var k = 0;
        foreach (var call in array.EnumerateArray())
        {
            var callAt = $"{at}.tool_calls[{k++}]";
            Expect(call, JsonValueKind.Object, callAt, "an object");
            var id = String(call, "id", $"{callAt}.id") ?? $"call_{Guid.NewGuid():N}";
            var function = Get(call, "function") ?? throw OpenAIRequestException.Invalid($"Missing required parameter: '{callAt}.function'.", $"{callAt}.function", "missing_required_parameter");
            Expect(function, JsonValueKind.Object, $"{callAt}.function", "an object");
            var name = String(function, "name", $"{callAt}.function.name")
                ?? throw OpenAIRequestException.Invalid($"Missing required parameter: '{callAt}.function.name'.", $"{callAt}.function.name", "missing_required_parameter");
            calls.Add(new FunctionCallContent(id, name, Arguments(String(function, "arguments", $"{callAt}.function.arguments"), $"{callAt}.function.arguments")));
        }

        return calls;
    }

    private static Dictionary<string, object?> Arguments(string? json, string param)
    {
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            return arguments;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            Expect(document.RootElement, JsonValueKind.Object, param, "a JSON object (as a string)");
            foreach (var property in document.RootElement.EnumerateObject())
            {
                arguments[property.Name] = property.Value.Clone();
            }
        }
        catch (JsonException e)
        {
            throw OpenAIRequestException.Invalid($"'{param}' is not valid JSON: {e.Message}", param, "invalid_value");
        }

        return arguments;
    }

    /// <summary>Reads <c>tools</c> (OpenAI's shape, which Ollama's API shares) and <c>tool_choice</c> into <paramref name="options"/>.</summary>
    internal static void Tools(JsonElement root, ChatOptions options)
    {
        var names = new List<string>();
        if (Get(root, "tools") is { } tools)
        {
            Expect(tools, JsonValueKind.Array, "tools", "an array");
            var i = 0;
            options.Tools = [];
            foreach (var tool in tools.EnumerateArray())
            {
                var at = $"tools[{i++}]";
                Expect(tool, JsonValueKind.Object, at, "an object");
                if (String(tool, "type", $"{at}.type") is { } type && type != "function")
                {
                    throw OpenAIRequestException.Invalid($"Unsupported tool type '{type}' in '{at}': only 'function' tools are supported.", $"{at}.type", "unsupported_value");
                }

                var function = Get(tool, "function") ?? throw OpenAIRequestException.Invalid($"Missing required parameter: '{at}.function'.", $"{at}.function", "missing_required_parameter");
                Expect(function, JsonValueKind.Object, $"{at}.function", "an object");
                var name = String(function, "name", $"{at}.function.name");
                if (name is null || !FunctionName().IsMatch(name))
                {
                    throw OpenAIRequestException.Invalid($"'{at}.function.name' must be 1 to 64 letters, digits, '_' or '-'.", $"{at}.function.name", "invalid_value");
                }

                var parameters = Get(function, "parameters");
                if (parameters is { } p)
                {
                    Expect(p, JsonValueKind.Object, $"{at}.function.parameters", "a JSON schema object");
                }

                var schema = parameters?.Clone() ?? JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement.Clone();
                options.Tools.Add(AIFunctionFactory.CreateDeclaration(name, String(function, "description", $"{at}.function.description"), schema));
                names.Add(name);
            }

            if (options.Tools.Count == 0)
            {
                options.Tools = null;
            }
        }

        options.ToolMode = ToolChoice(root, names);
    }

    private static ChatToolMode? ToolChoice(JsonElement root, List<string> tools)
    {
        ChatToolMode? mode = Get(root, "tool_choice") switch
        {
            null => null,
            { ValueKind: JsonValueKind.String } s => s.GetString() switch
            {
                "none" => ChatToolMode.None,
                "auto" => ChatToolMode.Auto,
                "required" => ChatToolMode.RequireAny,
                var other => throw OpenAIRequestException.Invalid($"Invalid value '{other}' for 'tool_choice': expected 'none', 'auto', 'required' or an object.", "tool_choice", "invalid_value"),
            },
            { ValueKind: JsonValueKind.Object } o => ChatToolMode.RequireSpecific(
                (Get(o, "function") is { ValueKind: JsonValueKind.Object } f ? String(f, "name", "tool_choice.function.name") : null)
                ?? throw OpenAIRequestException.Invalid("'tool_choice' as an object must name a function: {\"type\":\"function\",\"function\":{\"name\":...}}.", "tool_choice.function.name", "missing_required_parameter")),
            { } other => throw OpenAIRequestException.Invalid($"Invalid type for 'tool_choice': expected a string or an object, got {Describe(other)}.", "tool_choice", "invalid_type"),
        };
        if (mode is RequiredChatToolMode required && (tools.Count == 0 || (required.RequiredFunctionName is { } n && !tools.Contains(n))))
        {
            throw OpenAIRequestException.Invalid(tools.Count == 0
                ? "'tool_choice' requires a tool, but 'tools' is empty."
                : $"'tool_choice' names '{required.RequiredFunctionName}', which is not among 'tools'.", "tool_choice", "invalid_value");
        }

        return mode;
    }

    private static List<string>? Stop(JsonElement root) => Get(root, "stop") switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } s => [s.GetString()!],
        { ValueKind: JsonValueKind.Array } a when a.GetArrayLength() <= 4 && a.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
            [.. a.EnumerateArray().Select(e => e.GetString()!)],
        _ => throw OpenAIRequestException.Invalid("'stop' must be a string or an array of up to 4 strings.", "stop", "invalid_type"),
    };

    private static ChatResponseFormat? ResponseFormat(JsonElement root)
    {
        if (Get(root, "response_format") is not { } format)
        {
            return null;
        }

        Expect(format, JsonValueKind.Object, "response_format", "an object");
        return String(format, "type", "response_format.type") switch
        {
            "text" => ChatResponseFormat.Text,
            "json_object" => ChatResponseFormat.Json,
            "json_schema" when Get(format, "json_schema") is { ValueKind: JsonValueKind.Object } js && Get(js, "schema") is { ValueKind: JsonValueKind.Object } schema =>
                ChatResponseFormat.ForJsonSchema(schema.Clone(), String(js, "name", "response_format.json_schema.name"), String(js, "description", "response_format.json_schema.description")),
            var other => throw OpenAIRequestException.Invalid($"Invalid value '{other}' for 'response_format.type': expected 'text', 'json_object' or 'json_schema' with a schema.", "response_format.type", "invalid_value"),
        };
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex FunctionName();
}
