namespace AgentHost.Http.Embeddings;

/// <summary>
/// Maps the embedding routes, each answered by the embedding chain (<see cref="AgentHost.Fallback.FallbackEmbeddingGenerator"/>)
/// under the <c>model-calls</c> rate limits: <c>POST /v1/embeddings</c> (OpenAI's shape), <c>POST /api/embed</c> and the
/// older <c>POST /api/embeddings</c> (Ollama's).
/// </summary>
internal static class EmbeddingEndpoints
{
    public static IEndpointRouteBuilder MapEmbeddingEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/embeddings", OpenAIEmbeddingsEndpoint.HandleAsync).RequireRateLimiting(RateLimitServiceExtensions.ModelCallsPolicy);
        app.MapPost("/api/embed", OllamaEmbedEndpoint.EmbedAsync).RequireRateLimiting(RateLimitServiceExtensions.ModelCallsPolicy);
        app.MapPost("/api/embeddings", OllamaEmbedEndpoint.EmbeddingsAsync).RequireRateLimiting(RateLimitServiceExtensions.ModelCallsPolicy);
        return app;
    }
}
