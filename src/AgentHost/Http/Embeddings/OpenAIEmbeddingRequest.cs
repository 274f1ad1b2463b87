using System.Text.Json;

namespace AgentHost.Http.Embeddings;

/// <summary>How the vectors go back: OpenAI's <c>encoding_format</c>.</summary>
internal enum EmbeddingEncoding
{
    /// <summary>Lists of numbers (the default).</summary>
    Float,

    /// <summary>Little-endian float32 bytes, base64.</summary>
    Base64,
}

/// <summary>
/// OpenAI's embeddings request (<c>POST /v1/embeddings</c>): <c>input</c> (a string or a list of strings; token arrays are
/// refused, as no backend here takes tokens), <c>model</c>, <c>encoding_format</c> (<c>float</c> | <c>base64</c>),
/// <c>dimensions</c>, <c>user</c>. Anything else is a 400 <c>invalid_request_error</c> naming the field.
/// </summary>
internal sealed record OpenAIEmbeddingRequest(IReadOnlyList<string> Inputs, string? Model, EmbeddingEncoding Encoding, int? Dimensions, string? User)
{
    public static OpenAIEmbeddingRequest Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw OpenAIRequestException.Invalid("The request body must be a JSON object.", null, "invalid_json");
        }

        return new OpenAIEmbeddingRequest(ReadInputs(root), Text(root, "model"), ReadEncoding(root), ReadDimensions(root), Text(root, "user"));
    }

    private static List<string> ReadInputs(JsonElement root)
    {
        if (!root.TryGetProperty("input", out var input) || input.ValueKind == JsonValueKind.Null)
        {
            throw OpenAIRequestException.Invalid("'input' is a required property: give the text to embed (a string or a list of strings).", "input");
        }

        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                var text = input.GetString()!;
                return text.Length > 0 ? [text] : throw OpenAIRequestException.Invalid("'input' must not be an empty string.", "input");
            case JsonValueKind.Array when input.GetArrayLength() == 0:
                throw OpenAIRequestException.Invalid("'input' must not be an empty list.", "input");
            case JsonValueKind.Array when input.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String):
                var texts = input.EnumerateArray().Select(e => e.GetString()!).ToList();
                return texts.All(t => t.Length > 0) ? texts : throw OpenAIRequestException.Invalid("'input' must not hold an empty string.", "input");
            case JsonValueKind.Array when input.EnumerateArray().All(e => e.ValueKind is JsonValueKind.Number or JsonValueKind.Array):
                throw OpenAIRequestException.Invalid("Token arrays are not supported as 'input': send the text as a string or a list of strings.", "input", "unsupported_input");
            default:
                throw OpenAIRequestException.Invalid("'input' must be a string or a list of strings.", "input");
        }
    }

    private static EmbeddingEncoding ReadEncoding(JsonElement root) => Text(root, "encoding_format") switch
    {
        null or "float" => EmbeddingEncoding.Float,
        "base64" => EmbeddingEncoding.Base64,
        var other => throw OpenAIRequestException.Invalid($"'encoding_format' must be 'float' or 'base64' (was '{other}').", "encoding_format"),
    };

    private static int? ReadDimensions(JsonElement root)
    {
        if (!root.TryGetProperty("dimensions", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n > 0
            ? n
            : throw OpenAIRequestException.Invalid("'dimensions' must be a positive integer.", "dimensions");
    }

    private static string? Text(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw OpenAIRequestException.Invalid($"'{name}' must be a string.", name);
    }
}
