using System.Text;
using System.Text.Json;
using AgentHost.Backends;

namespace AgentHost.Connectors.Mlx.Core;

/// <summary>Turns a non-success response into a <see cref="BackendHttpOperationException"/> carrying the server's own words.</summary>
internal static class MlxErrorReader
{
    private const int MaxErrorLength = 1000;

    public static async Task<BackendHttpOperationException> ReadAsync(string backend, HttpResponseMessage response, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            body = "";
        }

        return new BackendHttpOperationException(
            backend, response.StatusCode, ServerError(body), body, RetryAfterParser.Parse(response.Headers, timeProvider));
    }

    /// <summary>
    /// The error text of a body: FastAPI's <c>{"detail": "..."}</c> (or its validation list), the middleware's
    /// <c>{"error": "..."}</c>, OpenAI's <c>{"error": {"message": "..."}}</c>, else the body itself, trimmed.
    /// </summary>
    public static string? ServerError(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("detail", out var detail))
                {
                    return Describe(detail);
                }

                if (root.TryGetProperty("error", out var error))
                {
                    return error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message)
                        ? Describe(message)
                        : Describe(error);
                }
            }
        }
        catch (JsonException)
        {
        }

        return Trim(body);
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => Trim(value.GetString() ?? ""),
        JsonValueKind.Array => Trim(string.Join("; ", value.EnumerateArray().Select(ValidationItem))),
        _ => Trim(value.GetRawText()),
    };

    /// <summary>One FastAPI validation error: <c>{"loc": ["body", "prompt"], "msg": "Field required"}</c> → <c>body.prompt: Field required</c>.</summary>
    private static string ValidationItem(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("msg", out var msg))
        {
            return item.ValueKind == JsonValueKind.String ? item.GetString() ?? "" : item.GetRawText();
        }

        var text = new StringBuilder();
        if (item.TryGetProperty("loc", out var loc) && loc.ValueKind == JsonValueKind.Array)
        {
            text.AppendJoin('.', loc.EnumerateArray().Select(p => p.ValueKind == JsonValueKind.String ? p.GetString() : p.GetRawText())).Append(": ");
        }

        return text.Append(msg.ValueKind == JsonValueKind.String ? msg.GetString() : msg.GetRawText()).ToString();
    }

    private static string Trim(string text)
    {
        text = text.Trim();
        return text.Length <= MaxErrorLength ? text : string.Concat(text.AsSpan(0, MaxErrorLength), "…");
    }
}
