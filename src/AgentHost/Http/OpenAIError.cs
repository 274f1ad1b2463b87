using System.Text.Json;
using AgentHost.Fallback;

namespace AgentHost.Http;

/// <summary>A request the gateway refuses, with what OpenAI's error body says about it.</summary>
internal sealed class OpenAIRequestException(int statusCode, string message, string? param = null, string? code = null, string type = OpenAIError.InvalidRequest)
    : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string? Param { get; } = param;

    public string? Code { get; } = code;

    public string Type { get; } = type;

    /// <summary>A 400 <c>invalid_request_error</c> about <paramref name="param"/>.</summary>
    public static OpenAIRequestException Invalid(string message, string? param, string? code = null) => new(400, message, param, code);
}

/// <summary>
/// Writes the service's error bodies, the shape chosen by path in this one place: under <c>/api/</c> (Ollama's API)
/// Ollama's <c>{"error":"..."}</c>, everywhere else OpenAI's <c>{"error":{"message","type","param","code"}}</c> (plus the
/// fallback report when there is one). Every middleware and endpoint writes its errors through here.
/// </summary>
internal static class OpenAIError
{
    public const string InvalidRequest = "invalid_request_error";
    public const string ApiError = "api_error";

    public static Task WriteAsync(HttpContext context, OpenAIRequestException e) =>
        WriteAsync(context, e.StatusCode, e.Message, e.Type, e.Param, e.Code);

    public static async Task WriteAsync(HttpContext context, int statusCode, string message, string type, string? param, string? code,
        FallbackReport? report = null)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        if (statusCode == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        using var buffer = new MemoryStream();
        var ollama = IsOllamaPath(context.Request.Path);
        await using (var writer = new Utf8JsonWriter(buffer, ollama ? OllamaWriterOptions : default))
        {
            writer.WriteStartObject();
            if (ollama)
            {
                writer.WriteString("error", message);
            }
            else
            {
                WriteErrorObject(writer, message, type, param, code, backend: null);
            }

            if (report is not null && !ollama)
            {
                writer.WritePropertyName(ChatCompletionJson.ReportProperty);
                ChatCompletionJson.WriteReport(writer, report);
            }

            writer.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }

    /// <summary>Ollama's texts quoted as Go's encoder leaves them (<c>'</c> unescaped), so they read as Ollama's own.</summary>
    private static readonly JsonWriterOptions OllamaWriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Whether <paramref name="path"/> is one of Ollama's routes (<c>/api/...</c>), whose errors are Ollama-shaped.</summary>
    public static bool IsOllamaPath(PathString path) => path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    /// <summary>Writes <c>"error": {...}</c>; <paramref name="backend"/> is added for a stream a backend broke.</summary>
    public static void WriteErrorObject(Utf8JsonWriter writer, string message, string type, string? param, string? code, string? backend)
    {
        writer.WriteStartObject("error");
        writer.WriteString("message", message);
        writer.WriteString("type", type);
        writer.WriteString("param", param);
        writer.WriteString("code", code);
        if (backend is not null)
        {
            writer.WriteString("backend", backend);
        }

        writer.WriteEndObject();
    }
}
