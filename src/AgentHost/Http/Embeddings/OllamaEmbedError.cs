namespace AgentHost.Http.Embeddings;

/// <summary>A request the Ollama-shaped embedding routes refuse, with its status and Ollama's error text.</summary>
internal sealed class OllamaEmbedException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>
/// Writes Ollama's error body, <c>{"error": "..."}</c>, for the embedding routes under <c>/api/</c>, logged as a refusal:
/// through <see cref="OpenAIError"/>, which gives every path under <c>/api/</c> Ollama's shape.
/// </summary>
internal static class OllamaEmbedError
{
    public static Task WriteAsync(HttpContext context, int statusCode, string message)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        EmbeddingCall.Logger(context).Refused(context.Request.Method, context.Request.Path, statusCode, message);
        return OpenAIError.WriteAsync(context, statusCode, message, statusCode >= 500 ? OpenAIError.ApiError : OpenAIError.InvalidRequest, null, null);
    }
}
