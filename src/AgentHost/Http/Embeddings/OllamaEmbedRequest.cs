using System.Text.Json;

namespace AgentHost.Http.Embeddings;

/// <summary>
/// Ollama's embedding requests, read as its server reads them (api/types.go <c>EmbedRequest</c> / <c>EmbeddingRequest</c>,
/// server/routes.go): <c>/api/embed</c> takes <c>{"model","input": string | [string],"truncate","options","keep_alive","dimensions"}</c>,
/// <c>/api/embeddings</c> takes <c>{"model","prompt"}</c>. An empty input is no input (Ollama then only loads the model and
/// answers an empty list); an input of another type is Ollama's 400 <c>invalid input type</c>; a field of the wrong
/// JSON type is a 400 in the words of Go's decoder. <c>model</c> may be left out here: the chain's order answers.
/// </summary>
internal sealed record OllamaEmbedRequest(string? Model, IReadOnlyList<string> Inputs, int? Dimensions)
{
    public static OllamaEmbedRequest ParseEmbed(JsonElement root)
    {
        RequireObject(root, "EmbedRequest");
        var inputs = new List<string>();
        if (root.TryGetProperty("input", out var input))
        {
            switch (input.ValueKind)
            {
                case JsonValueKind.Null:
                    break;
                case JsonValueKind.String:
                    if (input.GetString() is { Length: > 0 } text)
                    {
                        inputs.Add(text);
                    }

                    break;
                case JsonValueKind.Array when input.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String):
                    inputs.AddRange(input.EnumerateArray().Select(e => e.GetString()!));
                    break;
                default:
                    throw new OllamaEmbedException(StatusCodes.Status400BadRequest, "invalid input type");
            }
        }

        int? dimensions = null;
        if (root.TryGetProperty("dimensions", out var d) && d.ValueKind != JsonValueKind.Null)
        {
            dimensions = d.ValueKind == JsonValueKind.Number && d.TryGetInt32(out var n)
                ? n > 0 ? n : null
                : throw Unmarshal(d, "EmbedRequest.dimensions", "int");
        }

        return new OllamaEmbedRequest(Text(root, "model", "EmbedRequest"), inputs, dimensions);
    }

    public static OllamaEmbedRequest ParseEmbeddings(JsonElement root)
    {
        RequireObject(root, "EmbeddingRequest");
        var prompt = Text(root, "prompt", "EmbeddingRequest");
        return new OllamaEmbedRequest(Text(root, "model", "EmbeddingRequest"), prompt is { Length: > 0 } ? [prompt] : [], null);
    }

    private static void RequireObject(JsonElement root, string type)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new OllamaEmbedException(StatusCodes.Status400BadRequest, $"json: cannot unmarshal {GoType(root)} into Go value of type api.{type}");
        }
    }

    private static string? Text(JsonElement root, string name, string type)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Unmarshal(value, $"{type}.{name}", "string");
    }

    private static OllamaEmbedException Unmarshal(JsonElement value, string field, string goType) =>
        new(StatusCodes.Status400BadRequest, $"json: cannot unmarshal {GoType(value)} into Go struct field {field} of type {goType}");

    private static string GoType(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => "null",
    };
}
