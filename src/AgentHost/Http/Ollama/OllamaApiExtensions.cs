using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentHost.Http.Ollama;

/// <summary>Registers and maps Ollama's API (<c>/api/*</c>) on the same service, key and limits as OpenAI's.</summary>
internal static class OllamaApiExtensions
{
    /// <summary>The chat endpoint and the loaded-model source of <c>/api/ps</c> (another <see cref="IOllamaLoadedModels"/> registered first wins).</summary>
    public static IServiceCollection AddOllamaApi(this IServiceCollection services)
    {
        services.TryAddSingleton<OllamaChatEndpoint>();
        services.TryAddSingleton<IOllamaLoadedModels, CatalogLoadedModels>();
        return services;
    }

    /// <summary>
    /// <c>POST /api/chat</c>, <c>POST /api/generate</c> (under the <see cref="RateLimitServiceExtensions.ModelCallsPolicy"/>
    /// policy), <c>GET /api/tags</c>, <c>POST /api/show</c>, <c>GET /api/ps</c>, <c>GET /api/version</c> (the GETs also
    /// answer HEAD, as Ollama's do), and a 404 in Ollama's shape for any other <c>/api/</c> path.
    /// </summary>
    public static WebApplication MapOllamaApi(this WebApplication app)
    {
        string[] read = [HttpMethods.Get, HttpMethods.Head];
        app.MapPost("/api/chat", (HttpContext c) => c.RequestServices.GetRequiredService<OllamaChatEndpoint>().ChatAsync(c))
            .RequireRateLimiting(RateLimitServiceExtensions.ModelCallsPolicy);
        app.MapPost("/api/generate", (HttpContext c) => c.RequestServices.GetRequiredService<OllamaChatEndpoint>().GenerateAsync(c))
            .RequireRateLimiting(RateLimitServiceExtensions.ModelCallsPolicy);
        app.MapMethods("/api/tags", read, OllamaModelEndpoints.TagsAsync);
        app.MapPost("/api/show", OllamaModelEndpoints.ShowAsync);
        app.MapMethods("/api/ps", read, OllamaModelEndpoints.PsAsync);
        app.MapMethods("/api/version", read, OllamaModelEndpoints.VersionAsync);
        app.MapFallback("/api/{**path}", (HttpContext c) => OpenAIError.WriteAsync(c, StatusCodes.Status404NotFound,
            $"Unknown route: {c.Request.Method} {c.Request.Path}.", OpenAIError.InvalidRequest, null, "unknown_url"));
        return app;
    }
}
