using System.Security.Cryptography;
using System.Text;
using AgentHost.Http.Embeddings;
using AgentHost.Http.Ollama;
using AgentHost.Telemetry;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentHost.Http;

/// <summary>Registers and maps the HTTP service: the OpenAI-compatible gateway, status routes, prompts and the chat page.</summary>
internal static class HttpServiceExtensions
{
    /// <summary>Binds <see cref="HttpServiceOptions"/> (validated at start), the body-size limit and the chat endpoint.</summary>
    public static IServiceCollection AddAgentHostHttp(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(HttpServiceOptions.SectionName);
        services.AddOptions<HttpServiceOptions>().Bind(section).Configure(o =>
        {
            // One string also works for the lists (AgentHost__Http__AllowedOrigins="http://localhost:5173;http://localhost:3000");
            // the binder fills a list only from numbered children.
            AddSeparated(section[nameof(HttpServiceOptions.AllowedHosts)], o.AllowedHosts);
            AddSeparated(section[nameof(HttpServiceOptions.AllowedOrigins)], o.AllowedOrigins);
            AddSeparated(section[nameof(HttpServiceOptions.ApiKeys)], o.ApiKeys);
        }).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HttpServiceOptions>, HttpServiceOptionsValidator>());
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<HttpServiceOptions>>((kestrel, http) =>
        {
            kestrel.Limits.MaxRequestBodySize = http.Value.MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
        });
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        services.TryAddSingleton<ChatCompletionsEndpoint>();
        services.TryAddSingleton<ConversationRecorder>();
        services.AddOllamaApi();
        services.AddHostedService<ConversationStoreStartup>();
        services.AddCrossSiteProtection();
        services.AddModelCallRateLimits();
        return services;
    }

    /// <summary>Builds the web app, checks <see cref="HttpServiceOptions"/> (throws <see cref="OptionsValidationException"/>) and maps everything.</summary>
    public static WebApplication BuildAgentHostWebApp(this WebApplicationBuilder builder)
    {
        var app = builder.Build();
        var options = app.Services.GetRequiredService<IOptions<HttpServiceOptions>>().Value;
        app.Urls.Clear();
        foreach (var url in options.ListenUrls)
        {
            app.Urls.Add(url);
        }

        SelfCallCheck.ThrowIfAnyBackendIsThisHost(app.Services, options);

        app.MapAgentHostHttp();
        return app;
    }

    /// <summary>
    /// After host filtering (WebApplication's default, first): errors in OpenAI's shape (Ollama's under <c>/api/</c>), the origin, CORS and JSON body checks
    /// (<see cref="CrossSiteProtection"/>), the chat page (open), the API key check (when one is set), the rate limits on model calls (when set), then
    /// <c>/v1/chat/completions</c>, <c>/v1/models</c>, Ollama's <c>/api/*</c> (<see cref="OllamaApiExtensions.MapOllamaApi"/>), <c>/health</c>, <c>/metrics</c> (when telemetry is on), <c>/v1/conversations</c> and the prompt routes.
    /// </summary>
    public static WebApplication MapAgentHostHttp(this WebApplication app)
    {
        app.Use(OpenAIErrorsAsync);
        app.UseCrossSiteProtection();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.Use(ApiKeyAsync);
        if (app.Services.GetRequiredService<IOptions<HttpServiceOptions>>().Value.RateLimit.IsEnabled)
        {
            app.UseRateLimiter(); // after the key check: a caller is its key
        }

        app.MapPost("/v1/chat/completions", (HttpContext c) => c.RequestServices.GetRequiredService<ChatCompletionsEndpoint>().HandleAsync(c))
            .RequireRateLimiting(RateLimitServiceExtensions.ModelCallsPolicy);
        app.MapEmbeddingEndpoints(); // /v1/embeddings, /api/embed, /api/embeddings
        app.MapGet("/v1/models", StatusEndpoints.ModelsAsync);
        app.MapOllamaApi();
        app.MapGet("/health", StatusEndpoints.HealthAsync);
        app.MapAgentHostMetrics();
        app.MapConversationEndpoints();
        app.MapPromptEndpoints();
        app.MapFallback("/v1/{**path}", (HttpContext c) => OpenAIError.WriteAsync(c, StatusCodes.Status404NotFound,
            $"Unknown route: {c.Request.Method} {c.Request.Path}.", OpenAIError.InvalidRequest, null, "unknown_url"));
        return app;
    }

    private static async Task OpenAIErrorsAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            var message = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"The request body is larger than the limit of {Options(context).MaxRequestBodyBytes} bytes."
                : e.Message;
            Logger(context).Refused(context.Request.Method, context.Request.Path, e.StatusCode, message);
            await OpenAIError.WriteAsync(context, e.StatusCode, message, OpenAIError.InvalidRequest, null,
                e.StatusCode == StatusCodes.Status413PayloadTooLarge ? "request_too_large" : "bad_request");
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            Logger(context).CallerGone(context.Request.Path);
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            // A bug of the host (endpoints map their own failures): a 500 in OpenAI's error shape, logged, the host goes on.
            Logger(context).Unhandled(e, context.Request.Method, context.Request.Path);
            await OpenAIError.WriteAsync(context, StatusCodes.Status500InternalServerError, $"The host failed: {e.Message}", OpenAIError.ApiError, null, "internal_error");
        }
    }

    /// <summary>
    /// With an API key set (<see cref="HttpServiceOptions.ApiKey"/>, <see cref="HttpServiceOptions.ApiKeys"/>), every
    /// route past the chat page's files asks for <c>Authorization: Bearer &lt;key&gt;</c>; the key found is the caller's
    /// identity for the rate limits (<see cref="CallerIdentity"/>).
    /// </summary>
    private static Task ApiKeyAsync(HttpContext context, RequestDelegate next)
    {
        var keys = Options(context).AcceptedApiKeys;
        if (keys.Count == 0)
        {
            return next(context);
        }

        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return Unauthorized(context, "Missing API key: send it as 'Authorization: Bearer <key>'.", "missing_api_key");
        }

        var given = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        var matched = false;
        foreach (var key in keys)
        {
            matched |= CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(key)); // every key compared: no early exit to time
        }

        if (!matched)
        {
            return Unauthorized(context, "Incorrect API key provided.", "invalid_api_key");
        }

        CallerIdentity.SetCallerKey(context, given);
        return next(context);
    }

    private static Task Unauthorized(HttpContext context, string message, string code)
    {
        Logger(context).Refused(context.Request.Method, context.Request.Path, 401, message);
        return OpenAIError.WriteAsync(context, StatusCodes.Status401Unauthorized, message, OpenAIError.InvalidRequest, null, code);
    }

    private static void AddSeparated(string? value, IList<string> list)
    {
        foreach (var entry in (value ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            list.Add(entry);
        }
    }

    private static HttpServiceOptions Options(HttpContext context) => context.RequestServices.GetRequiredService<IOptions<HttpServiceOptions>>().Value;

    private static ILogger Logger(HttpContext context) => context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("AgentHost.Http");
}
