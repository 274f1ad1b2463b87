using System.Text.Json;
using AgentHost.Fallback;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AgentHost.Http.Embeddings;

/// <summary>
/// What the three embedding routes share: reading the JSON body within the size limit, the <c>model</c> field read as
/// the chain's choice (absent or <see cref="HttpServiceOptions.ChainModelId"/>: the chain's order; a backend's name or
/// the embedding model a backend serves: that one), the call to the registered embedding generator, and the answer's
/// <c>x-agent-backend</c> / <c>x-agent-route</c> headers and token charge.
/// </summary>
internal static class EmbeddingCall
{
    /// <summary>The body as JSON; null when it is empty. Throws <see cref="JsonException"/> for a body that is not JSON, <see cref="BodyTooLargeException"/> past the limit.</summary>
    public static async Task<JsonDocument?> ReadBodyAsync(HttpContext context)
    {
        var limit = Options(context).MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            throw new BodyTooLargeException(limit);
        }

        using var buffer = new MemoryStream();
        try
        {
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new BodyTooLargeException(limit);
        }

        return buffer.Length == 0 ? null : JsonDocument.Parse(buffer.ToArray());
    }

    /// <summary>The model to ask the chain for: null for the chain's own order.</summary>
    public static string? ChainModel(HttpContext context, string? model) =>
        string.IsNullOrWhiteSpace(model) || string.Equals(model.Trim(), Options(context).ChainModelId, StringComparison.OrdinalIgnoreCase) ? null : model.Trim();

    /// <summary>Embeds <paramref name="inputs"/> through the chain, sets the headers naming the backend and route, and charges the tokens used.</summary>
    public static async Task<(GeneratedEmbeddings<Embedding<float>> Result, FallbackReport? Report)> RunAsync(HttpContext context, IReadOnlyList<string> inputs,
        EmbeddingGenerationOptions options)
    {
        var generator = context.RequestServices.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var result = await generator.GenerateAsync(inputs, options, context.RequestAborted);
        var report = result.GetFallbackReport();
        if (report?.Backend is { } backend)
        {
            context.Response.Headers[ChatCompletionsEndpoint.BackendHeader] = backend;
        }

        RouteHeader.Set(context.Response, report);
        await RateLimitServiceExtensions.ChargeTokensAsync(context, result.Usage?.TotalTokenCount ?? result.Usage?.InputTokenCount ?? 0);
        return (result, report);
    }

    /// <summary>Sets the route header of a failed call from the report its exception carries.</summary>
    public static void SetFailureHeaders(HttpContext context, Exception e) => RouteHeader.Set(context.Response, e.GetFallbackReport());

    /// <summary>The status of a call no backend answered: 503 when none could be tried, else 502.</summary>
    public static int StatusOf(FallbackExhaustedException e) =>
        e.Report.Attempts.All(a => a.Outcome is FallbackAttemptOutcome.Skipped or FallbackAttemptOutcome.Deferred)
            ? StatusCodes.Status503ServiceUnavailable
            : StatusCodes.Status502BadGateway;

    /// <summary>Whether a failure is the caller's (a 400 from a backend, invalid arguments): it surfaces as a 400.</summary>
    public static bool IsCallerError(Exception e) => e is ArgumentException
        || e is HttpRequestException { StatusCode: System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.UnprocessableEntity };

    public static ILogger Logger(HttpContext context) => context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("AgentHost.Http");

    private static HttpServiceOptions Options(HttpContext context) => context.RequestServices.GetRequiredService<IOptions<HttpServiceOptions>>().Value;

    /// <summary>The body is larger than <see cref="HttpServiceOptions.MaxRequestBodyBytes"/>.</summary>
    internal sealed class BodyTooLargeException(long limit) : Exception($"The request body is larger than the limit of {limit} bytes.");
}
