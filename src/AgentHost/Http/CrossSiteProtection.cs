using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.Options;

namespace AgentHost.Http;

/// <summary>
/// Keeps the web pages a user opens from using the service, on every route. The <c>Host</c> must be one of
/// <see cref="HttpServiceOptions.AcceptedHostNames"/> (ASP.NET Core's host filtering: 400, against DNS rebinding). A request
/// carrying an <c>Origin</c> must come from the service's own origin or one in <see cref="HttpServiceOptions.AllowedOrigins"/>
/// (403); those get CORS (ASP.NET Core's policy: preflights, exposed headers). A request with a body must send JSON (415),
/// so the "simple" cross-site requests browsers send without a preflight (text/plain, forms) never reach an endpoint.
/// </summary>
internal static class CrossSiteProtection
{
    /// <summary>How long a browser may keep a preflight's answer.</summary>
    public static readonly TimeSpan PreflightMaxAge = TimeSpan.FromMinutes(10);

    /// <summary>Sets host filtering's list from <see cref="HttpServiceOptions"/> and registers the CORS policy of the allowed origins.</summary>
    public static IServiceCollection AddCrossSiteProtection(this IServiceCollection services)
    {
        // WebApplication's defaults already run host filtering first in the pipeline (HostFilteringStartupFilter); this
        // gives it the names. A request without a Host (HTTP/1.0) names none of them either.
        services.AddOptions<HostFilteringOptions>().Configure<IOptions<HttpServiceOptions>>((filtering, http) =>
        {
            filtering.AllowedHosts = [.. http.Value.AcceptedHostNames];
            filtering.AllowEmptyHosts = false;
        });
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<HttpServiceOptions>>((cors, http) => cors.AddDefaultPolicy(policy => policy
            .WithOrigins([.. http.Value.AllowedOrigins.Select(HttpServiceOptions.NormalizeOrigin).OfType<string>()])
            .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Delete)
            // The origin is the trust decision; its client's own headers (OpenAI's JS SDK sends x-stainless-*) are granted
            // with it, authorization and content-type included.
            .AllowAnyHeader()
            .WithExposedHeaders(ChatCompletionsEndpoint.BackendHeader, RouteHeader.Name, RouteHeader.CacheHeader, ConversationRecorder.ErrorHeader)
            .SetPreflightMaxAge(PreflightMaxAge)));
        return services;
    }

    /// <summary>The origin check (403), CORS (preflights answered for allowed origins), then the JSON body check (415).</summary>
    public static WebApplication UseCrossSiteProtection(this WebApplication app)
    {
        app.Use(OriginAsync);
        app.UseCors();
        app.Use(JsonBodyAsync);
        return app;
    }

    // CORS only tells a browser what its page may read: the server still runs a cross-site request it gets (a "simple"
    // one needs no preflight), so the CORS middleware cannot refuse one. This does, with the policy's own origin test.
    // The service's own origin is no CORS matter (same-origin requests need none) and depends on the port it really
    // listens on (tests bind port 0), so it is checked against the connection here.
    private static async Task OriginAsync(HttpContext context, RequestDelegate next)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0 || IsOwnOrigin(context, origin) || await IsAllowedAsync(context, origin))
        {
            await next(context);
            return;
        }

        var message = $"Requests from the web origin '{origin}' are refused: it is neither this service's own origin nor in AgentHost:Http:AllowedOrigins.";
        Refuse(context, StatusCodes.Status403Forbidden, message);
        await OpenAIError.WriteAsync(context, StatusCodes.Status403Forbidden, message, OpenAIError.InvalidRequest, null, "origin_not_allowed");
    }

    /// <summary>The page's own origin: this scheme and listening port, and the <c>Host</c>'s name (or both loopback names: <c>localhost</c> and <c>127.0.0.1</c> are one service).</summary>
    private static bool IsOwnOrigin(HttpContext context, string origin)
    {
        var request = context.Request;
        return HttpServiceOptions.NormalizeOrigin(origin) is not null
            && Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
            && uri.Port == context.Connection.LocalPort
            && (string.Equals(uri.Host, request.Host.Host, StringComparison.OrdinalIgnoreCase)
                || (HttpServiceOptions.IsLoopbackName(uri.Host) && HttpServiceOptions.IsLoopbackName(request.Host.Host)));
    }

    private static async Task<bool> IsAllowedAsync(HttpContext context, string origin)
    {
        var policy = await context.RequestServices.GetRequiredService<ICorsPolicyProvider>().GetPolicyAsync(context, policyName: null);
        return policy?.IsOriginAllowed(origin) == true;
    }

    // Every route that takes a body takes JSON (OpenAI's, the prompts', the Ollama-shaped ones to come), so the rule is
    // by method, for every route, and before the body is read. ASP.NET Core's own content-type check (Accepts metadata,
    // enforced by routing's AcceptsMatcherPolicy) answers 415 with no body rather than OpenAI's error, and under /v1 the
    // catch-all 404 route would take the request instead, since it accepts any content type.
    private static Task JsonBodyAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (!(HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method))
            || request.HasJsonContentType())
        {
            return next(context);
        }

        var message = string.IsNullOrEmpty(request.ContentType)
            ? "The request has no Content-Type: send the body as application/json."
            : $"Content-Type '{request.ContentType}' is not accepted: send the body as application/json.";
        Refuse(context, StatusCodes.Status415UnsupportedMediaType, message);
        return OpenAIError.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, message, OpenAIError.InvalidRequest, null, "unsupported_media_type");
    }

    private static void Refuse(HttpContext context, int status, string message) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("AgentHost.Http")
            .Refused(context.Request.Method, context.Request.Path, status, message);
}
