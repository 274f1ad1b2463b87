using System.Text.Json;

namespace AgentHost.Http;

/// <summary>
/// Typed reads of JSON request values, shared by the OpenAI and the Ollama parsers: each names the parameter when the
/// value is of the wrong type or out of range (an <see cref="OpenAIRequestException"/>, a 400 in the path's error shape).
/// </summary>
internal static class JsonRequestValues
{
    /// <summary>The property, or <see langword="null"/> when it is absent or JSON null.</summary>
    internal static JsonElement? Get(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    internal static string? String(JsonElement obj, string name, string? param = null)
    {
        if (Get(obj, name) is not { } value)
        {
            return null;
        }

        Expect(value, JsonValueKind.String, param ?? name, "a string");
        return value.GetString();
    }

    internal static bool? Boolean(JsonElement obj, string name, string? param = null) => Get(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { } other => throw OpenAIRequestException.Invalid($"Invalid type for '{param ?? name}': expected a boolean, got {Describe(other)}.", param ?? name, "invalid_type"),
    };

    internal static float? Number(JsonElement obj, string name, double min, double max, string? param = null)
    {
        var at = param ?? name;
        if (Get(obj, name) is not { } value)
        {
            return null;
        }

        Expect(value, JsonValueKind.Number, at, "a number");
        var number = value.GetDouble();
        return number >= min && number <= max ? (float)number
            : throw OpenAIRequestException.Invalid($"'{at}' must be between {min} and {max} (got {number}).", at, "invalid_value");
    }

    internal static int? Integer(JsonElement obj, string name, int min, int max, string? param = null)
    {
        var at = param ?? name;
        if (Get(obj, name) is not { } value)
        {
            return null;
        }

        Expect(value, JsonValueKind.Number, at, "an integer");
        if (!value.TryGetInt64(out var number))
        {
            throw OpenAIRequestException.Invalid($"Invalid type for '{at}': expected an integer, got {value.GetRawText()}.", at, "invalid_type");
        }

        return number >= min && number <= max ? (int)number
            : throw OpenAIRequestException.Invalid($"'{at}' must be at least {min} (got {number}).", at, "invalid_value");
    }

    internal static void Expect(JsonElement value, JsonValueKind kind, string param, string what)
    {
        if (value.ValueKind != kind)
        {
            throw OpenAIRequestException.Invalid($"Invalid type for '{param}': expected {what}, got {Describe(value)}.", param, "invalid_type");
        }
    }

    internal static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
