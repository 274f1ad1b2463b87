using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using static AgentHost.Http.JsonRequestValues;

namespace AgentHost.Http.Ollama;

/// <summary>An Ollama <c>/api/chat</c> or <c>/api/generate</c> request, read into the same terms as an OpenAI one.</summary>
/// <param name="Chat">Model, messages, options and streaming, as <see cref="ChatCompletionsEndpoint"/> reads them.</param>
/// <param name="LoadOnly">No message or prompt at all: Ollama's way to load a model; answered <c>done_reason: "load"</c> without a model call.</param>
internal sealed record OllamaRequest(ChatCompletionRequest Chat, bool LoadOnly)
{
    /// <summary>The model as the caller named it (required on Ollama's API), echoed in every answer line.</summary>
    public string Model => Chat.Model!;
}

/// <summary>
/// Reads Ollama's request bodies (api/types.go: <c>ChatRequest</c>, <c>GenerateRequest</c>, <c>Options</c>): liberal where
/// Ollama is (unknown fields and options ignored, nulls as absent, <c>stream</c> true by default), strict where a wrong value
/// would silently change the answer (types, roles, <c>format</c>, images the chain cannot pass on): those throw
/// <see cref="OpenAIRequestException"/>, written as Ollama's 400 <c>{"error": "..."}</c> under <c>/api/</c>.
/// </summary>
internal static class OllamaRequestParser
{
    /// <summary>The key of <see cref="ChatOptions.AdditionalProperties"/> that carries <c>keep_alive</c> to the Ollama connector.</summary>
    public const string KeepAliveKey = "keep_alive";

    /// <summary>Reads a <c>POST /api/chat</c> body.</summary>
    public static OllamaRequest ParseChat(JsonElement root)
    {
        var model = Model(root);
        var messages = new List<ChatMessage>();
        if (Get(root, "messages") is { } array)
        {
            Expect(array, JsonValueKind.Array, "messages", "an array");
            var calls = new Queue<FunctionCallContent>(); // assistant calls not yet answered, for tool results without an id
            var i = 0;
            foreach (var item in array.EnumerateArray())
            {
                messages.Add(Message(item, $"messages[{i++}]", calls));
            }
        }

        var options = Options(root);
        ChatCompletionRequestParser.Tools(root, options);
        return new OllamaRequest(new ChatCompletionRequest(model, messages, options, Boolean(root, "stream") ?? true, IncludeUsage: false), messages.Count == 0);
    }

    /// <summary>Reads a <c>POST /api/generate</c> body: <c>system</c> and <c>prompt</c> become a system and a user message.</summary>
    public static OllamaRequest ParseGenerate(JsonElement root)
    {
        var model = Model(root);
        var prompt = String(root, "prompt") ?? "";
        var system = String(root, "system");
        NoImages(root, "images");
        if (String(root, "suffix") is { Length: > 0 })
        {
            throw OpenAIRequestException.Invalid("'suffix' (fill-in-the-middle) is not supported by agent-host.", "suffix", "unsupported_value");
        }

        List<ChatMessage> messages = [];
        if (!string.IsNullOrEmpty(system))
        {
            messages.Add(new ChatMessage(ChatRole.System, system));
        }

        if (prompt.Length > 0)
        {
            messages.Add(new ChatMessage(ChatRole.User, prompt));
        }

        return new OllamaRequest(new ChatCompletionRequest(model, messages, Options(root), Boolean(root, "stream") ?? true, IncludeUsage: false), prompt.Length == 0);
    }

    /// <summary>Reads the <c>model</c> (or the older <c>name</c>) of a <c>/api/show</c> body.</summary>
    public static string ParseShow(JsonElement root) => Model(root, fallback: "name");

    private static string Model(JsonElement root, string? fallback = null)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw OpenAIRequestException.Invalid($"The request body must be a JSON object, not {Describe(root)}.", null);
        }

        var model = String(root, "model") ?? (fallback is null ? null : String(root, fallback));
        return string.IsNullOrWhiteSpace(model) ? throw OpenAIRequestException.Invalid("model is required", "model") : model.Trim();
    }

    private static ChatMessage Message(JsonElement item, string at, Queue<FunctionCallContent> open)
    {
        Expect(item, JsonValueKind.Object, at, "an object");
        var role = String(item, "role", $"{at}.role")
            ?? throw OpenAIRequestException.Invalid($"Missing required parameter: '{at}.role'.", $"{at}.role", "missing_required_parameter");
        var content = String(item, "content", $"{at}.content") ?? "";
        NoImages(item, $"{at}.images");
        switch (role)
        {
            case "system" or "developer":
                return new ChatMessage(ChatRole.System, content);
            case "user":
                return new ChatMessage(ChatRole.User, content);
            case "assistant":
                var calls = ToolCalls(item, at);
                foreach (var call in calls)
                {
                    open.Enqueue(call);
                }

                return new ChatMessage(ChatRole.Assistant, [.. (content.Length > 0 || calls.Count == 0 ? [new TextContent(content)] : Array.Empty<AIContent>()), .. calls]);
            case "tool":
                // Ollama's tool results name the tool (tool_name) and, in newer builds, the call (tool_call_id); older
                // clients send neither: the result answers the oldest call not yet answered.
                var name = String(item, "tool_name", $"{at}.tool_name");
                var id = String(item, "tool_call_id", $"{at}.tool_call_id");
                if (id is null && open.Count > 0 && (name is null || string.Equals(open.Peek().Name, name, StringComparison.Ordinal)))
                {
                    id = open.Dequeue().CallId;
                }

                return new ChatMessage(ChatRole.Tool, [new FunctionResultContent(id ?? $"call_{name ?? "tool"}", content)]);
            default:
                throw OpenAIRequestException.Invalid(
                    $"Invalid value '{role}' for '{at}.role': expected one of 'system', 'user', 'assistant', 'tool'.", $"{at}.role", "invalid_value");
        }
    }

    /// <summary>An assistant's <c>tool_calls</c>: <c>[{"id"?, "function": {"name", "arguments": {...}}}]</c> (arguments an object, not a string as in OpenAI's).</summary>
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
            var callAt = $"{at}.tool_calls[{k}]";
            Expect(call, JsonValueKind.Object, callAt, "an object");
            var function = Get(call, "function") ?? throw OpenAIRequestException.Invalid($"Missing required parameter: '{callAt}.function'.", $"{callAt}.function", "missing_required_parameter");
            Expect(function, JsonValueKind.Object, $"{callAt}.function", "an object");
            var name = String(function, "name", $"{callAt}.function.name")
                ?? throw OpenAIRequestException.Invalid($"Missing required parameter: '{callAt}.function.name'.", $"{callAt}.function.name", "missing_required_parameter");
            var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (Get(function, "arguments") is { } args)
            {
                Expect(args, JsonValueKind.Object, $"{callAt}.function.arguments", "an object");
                foreach (var property in args.EnumerateObject())
                {
                    arguments[property.Name] = property.Value.Clone();
                }
            }

            calls.Add(new FunctionCallContent(String(call, "id", $"{callAt}.id") ?? $"call_{k}_{name}", name, arguments));
            k++;
        }

        return calls;
    }

    /// <summary><c>options</c> (temperature, top_p, top_k, num_predict, stop, seed, penalties), <c>format</c> and <c>keep_alive</c>.</summary>
    private static ChatOptions Options(JsonElement root)
    {
        var options = new ChatOptions { ResponseFormat = Format(root) };
        if (Get(root, "options") is { } o)
        {
            Expect(o, JsonValueKind.Object, "options", "an object");
            options.Temperature = Number(o, "temperature", 0, 100, "options.temperature");
            options.TopP = Number(o, "top_p", 0, 1, "options.top_p");
            options.TopK = Integer(o, "top_k", 0, int.MaxValue, "options.top_k");
            options.Seed = Integer(o, "seed", int.MinValue, int.MaxValue, "options.seed");
            options.FrequencyPenalty = Number(o, "frequency_penalty", -100, 100, "options.frequency_penalty");
            options.PresencePenalty = Number(o, "presence_penalty", -100, 100, "options.presence_penalty");
            // -1 (no limit) and -2 (fill the context) are Ollama's own: no limit here either.
            var predict = Integer(o, "num_predict", -2, int.MaxValue, "options.num_predict");
            options.MaxOutputTokens = predict > 0 ? predict : null;
            options.StopSequences = Get(o, "stop") switch
            {
                null => null,
                { ValueKind: JsonValueKind.String } s => [s.GetString()!],
                { ValueKind: JsonValueKind.Array } a when a.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => [.. a.EnumerateArray().Select(e => e.GetString()!)],
                _ => throw OpenAIRequestException.Invalid("'options.stop' must be an array of strings.", "options.stop", "invalid_type"),
            };
        }

        if (KeepAlive(root) is { } keepAlive)
        {
            options.AdditionalProperties = new() { [KeepAliveKey] = keepAlive };
        }

        return options;
    }

    /// <summary><c>format</c>: <c>"json"</c>, a JSON schema object, or nothing (api/types.go keeps it raw; server/routes.go accepts these).</summary>
    private static ChatResponseFormatJson? Format(JsonElement root) => Get(root, "format") switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } s when s.GetString() is "" => null,
        { ValueKind: JsonValueKind.String } s when s.GetString() is "json" => ChatResponseFormat.Json,
        { ValueKind: JsonValueKind.Object } schema => ChatResponseFormat.ForJsonSchema(schema.Clone()),
        { } other => throw OpenAIRequestException.Invalid(
            $"invalid format: expected \"json\" or a JSON schema object, got {(other.ValueKind == JsonValueKind.String ? $"\"{other.GetString()}\"" : Describe(other))}", "format", "invalid_value"),
    };

    /// <summary><c>keep_alive</c> as Ollama reads it (a duration string such as <c>"5m"</c>, or seconds as a number), sent on as a duration string.</summary>
    private static string? KeepAlive(JsonElement root) => Get(root, KeepAliveKey) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { ValueKind: JsonValueKind.Number } n => n.GetDouble().ToString(CultureInfo.InvariantCulture) + "s",
        { } other => throw OpenAIRequestException.Invalid($"Invalid type for 'keep_alive': expected a duration string or a number of seconds, got {Describe(other)}.", KeepAliveKey, "invalid_type"),
    };

    private static void NoImages(JsonElement item, string at)
    {
        if (Get(item, "images") is { } images && (images.ValueKind != JsonValueKind.Array || images.GetArrayLength() > 0))
        {
            throw OpenAIRequestException.Invalid($"'{at}': images are not supported by agent-host (its backends take text only).", at, "unsupported_value");
        }
    }
}
