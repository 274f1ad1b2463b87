using System.Text.Encodings.Web;
using System.Text.Json;

namespace AgentHost.Http.Embeddings;

/// <summary>A request the Ollama-shaped embedding routes refuse, with its status and Ollama's error text.</summary>
internal sealed class OllamaEmbedException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>Writes Ollama's error body, <c>{"error": "..."}</c>, for the embedding routes under <c>/api/</c>.</summary>
internal static class OllamaEmbedError
{
    public static async Task WriteAsync(HttpContext context, int statusCode, string message)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        EmbeddingCall.Logger(context).Refused(context.Request.Method, context.Request.Path, statusCode, message);
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["error"] = message }, Json), context.RequestAborted);
    }

    /// <summary>Quotes as Go's encoder leaves them (<c>'</c> unescaped), so texts read as Ollama's own.</summary>
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
