using System.Globalization;
using System.Threading.RateLimiting;
using AgentHost.Hosting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentHost.Http;

/// <summary>
/// Rate limits on model calls through ASP.NET Core's rate limiting: the <see cref="ModelCallsPolicy"/> policy, one
/// <see cref="ModelCallLimiter"/> per caller (<see cref="CallerIdentity"/>), and a 429 in OpenAI's shape with
/// <c>Retry-After</c> (whole seconds, rounded up) and OpenAI's <c>x-ratelimit-*</c> headers for a refused call.
/// </summary>
internal static class RateLimitServiceExtensions
{
    /// <summary>The policy on the routes that call a model.</summary>
    public const string ModelCallsPolicy = "model-calls";

    public static IServiceCollection AddModelCallRateLimits(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new TokenBudget(
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TokenBudget>>(), sp.GetService<RedisConnection>()));
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IServiceProvider>((limiter, sp) =>
        {
            var options = sp.GetRequiredService<IOptions<HttpServiceOptions>>().Value.RateLimit;
            var budget = sp.GetRequiredService<TokenBudget>();
            var redis = sp.GetService<RedisConnection>();
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(ModelCallsPolicy, context => options.IsEnabled
                ? RateLimitPartition.Get(CallerIdentity.Of(context), caller => new ModelCallLimiter(caller, options, budget, redis))
                : RateLimitPartition.GetNoLimiter(""));
            limiter.OnRejected = (rejected, _) => new ValueTask(RefuseAsync(rejected.HttpContext, rejected.Lease as ModelCallLease));
        });
        return services;
    }

    /// <summary>Counts a finished call's tokens against its caller's minute (no-op without a token limit).</summary>
    public static ValueTask ChargeTokensAsync(HttpContext context, long tokens)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<HttpServiceOptions>>().Value.RateLimit;
        return options.TokensPerMinute > 0 && tokens > 0
            ? context.RequestServices.GetRequiredService<TokenBudget>().ChargeAsync(CallerIdentity.Of(context), tokens)
            : ValueTask.CompletedTask;
    }

    /// <summary>The tokens <paramref name="usage"/> counts (total, else prompt + completion; 0 when the backend reported none).</summary>
    public static long TokensOf(Microsoft.Extensions.AI.UsageDetails? usage) =>
        usage is null ? 0 : usage.TotalTokenCount ?? ((usage.InputTokenCount ?? 0) + (usage.OutputTokenCount ?? 0));

    private static Task RefuseAsync(HttpContext context, ModelCallLease? lease)
    {
        var limit = lease?.Limit ?? ModelCallLease.Requests;
        var wait = lease?.RetryAfter ?? TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        var headers = context.Response.Headers;
        headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        headers[$"x-ratelimit-limit-{limit}"] = (lease?.PermitLimit ?? 0).ToString(CultureInfo.InvariantCulture);
        headers[$"x-ratelimit-remaining-{limit}"] = "0";
        headers[$"x-ratelimit-reset-{limit}"] = $"{seconds}s";
        var caller = CallerIdentity.Of(context).StartsWith("key:", StringComparison.Ordinal) ? "this API key" : "this client address";
        var message = $"Rate limit reached for {limit} per minute ({lease?.PermitLimit}) for {caller}. Try again in {seconds} s.";
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("AgentHost.Http")
            .Refused(context.Request.Method, context.Request.Path, StatusCodes.Status429TooManyRequests, message);
        return OpenAIError.WriteAsync(context, StatusCodes.Status429TooManyRequests, message, limit, null, "rate_limit_exceeded");
    }
}
