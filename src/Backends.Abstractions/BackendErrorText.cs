using System.Text;
using System.Text.Json;

namespace AgentHost.Backends;

/// <summary>
/// Reads a backend's own error text out of an error body, whatever shape its web framework gave it, so every
/// connector reports a failure in the server's words.
/// </summary>
public static class BackendErrorText
{
    /// <summary>The longest text <see cref="FromBody"/> returns; longer text is cut and ends with <c>…</c>.</summary>
    public const int MaxLength = 1000;

    /// <summary>
    /// The error text of a body, trimmed and at most <see cref="MaxLength"/> characters, from the first of:
    /// FastAPI's <c>{"detail": "..."}</c> or its validation list (pydantic 1 and 2:
    /// <c>[{"loc": ["body", "prompt"], "msg": "Field required"}]</c> → <c>body.prompt: Field required</c>, items joined
    /// with <c>; </c>); <c>{"error": "..."}</c> (Ollama, middleware) or OpenAI's <c>{"error": {"message": "..."}}</c>;
    /// <c>{"message": "..."}</c>; else the body itself.
    /// </summary>
    /// <returns><see langword="null"/> when the body is empty or the field it names holds only white space.</returns>
    public static string? FromBody(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && FromObject(document.RootElement) is { } text)
            {
                return Cap(text);
            }
        }
        catch (JsonException)
        {
        }

        return Cap(body);
    }

    private static string? FromObject(JsonElement root)
    {
        if (Field(root, "detail") is { } detail)
        {
            return detail.ValueKind == JsonValueKind.Array
                ? string.Join("; ", detail.EnumerateArray().Select(ValidationItem))
                : Text(detail);
        }

        if (Field(root, "error") is { } error)
        {
            return error.ValueKind == JsonValueKind.Object && Field(error, "message") is { } message
                ? Text(message)
                : Text(error);
        }

        return Field(root, "message") is { ValueKind: JsonValueKind.String } plain ? plain.GetString() : null;
    }

    /// <summary>One validation error: <c>loc</c> joined with dots, a colon, then <c>msg</c>; an item without <c>msg</c> as its JSON.</summary>
    private static string ValidationItem(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object || Field(item, "msg") is not { } msg)
        {
            return Text(item);
        }

        var text = new StringBuilder();
        if (Field(item, "loc") is { ValueKind: JsonValueKind.Array } loc)
        {
            text.AppendJoin('.', loc.EnumerateArray().Select(Text)).Append(": ");
        }

        return text.Append(Text(msg)).ToString();
    }

    /// <summary>A property that is present and not JSON <c>null</c>.</summary>
    private static JsonElement? Field(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string Text(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : value.GetRawText();

    private static string? Cap(string text)
    {
        text = text.Trim();
        if (text.Length == 0)
        {
            return null;
        }

        return text.Length <= MaxLength ? text : string.Concat(text.AsSpan(0, MaxLength), "…");
    }
}
