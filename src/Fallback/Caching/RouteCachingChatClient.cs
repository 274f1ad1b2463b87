using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentHost.Fallback.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentHost.Fallback;

/// <summary>
/// MEAI's <see cref="DistributedCachingChatClient"/> per route: it decides the route above the chain (and hands the
/// decision down, so the chain decides nothing again), and caches only on routes with
/// <see cref="FallbackRouteOptions.CacheTtl"/>, for that long, and only answers that took at least
/// <see cref="FallbackRouteOptions.CacheMinGenerationTime"/> to make (the seed's <c>plan_cache_ttl</c> and
/// <c>plan_cache_min_gen_time</c>). The key is the messages, the options, the route and its model choices, and
/// <see cref="DistributedCachingChatClient.CacheKeyAdditionalValues"/> (the host adds Victoria's project context). A
/// failed or interrupted answer is never cached (the chain throws, nothing is written); an answer served from the
/// cache carries a <see cref="FallbackReport"/> with <see cref="FallbackReport.Cached"/> set, naming the backend and
/// model that made it. A cache that fails (a lost Redis) is a miss, logged once per failure at debug, never a failed call.
/// </summary>
public sealed partial class RouteCachingChatClient : DistributedCachingChatClient
{
    private const string BackendKey = "agenthost.cache.backend";
    private const string ModelKey = "agenthost.cache.model";
    private const string RouteKey = "agenthost.cache.route";
    private readonly IDistributedCache _storage;
    private readonly FallbackRouter _router;
    private readonly ILogger _logger;

    /// <summary>Creates the cache over <paramref name="innerClient"/> (the chain, or what wraps it) with <paramref name="storage"/>.</summary>
    public RouteCachingChatClient(IChatClient innerClient, IDistributedCache storage, FallbackRouter router, ILogger<RouteCachingChatClient>? logger = null)
        : base(innerClient, storage)
    {
        ArgumentNullException.ThrowIfNull(router);
        _storage = storage;
        _router = router;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<ChatMessage> list = messages as IReadOnlyList<ChatMessage> ?? [.. messages];

        // Decided above (as serve does) on a route that caches nothing: the chain's own task, no copy, no cache lookup,
        // no state machine of this client's (every serve call passes here).
        return Decision(options) is { Route.CacheTimeToLive: null }
            ? InnerClient.GetResponseAsync(list, options, cancellationToken)
            : DecideThenCacheAsync(list, options, cancellationToken);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        IReadOnlyList<ChatMessage> list = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var streamed = Decision(options) is { Route.CacheTimeToLive: null }
            ? InnerClient.GetStreamingResponseAsync(list, options, cancellationToken) // decided above, nothing to cache
            : base.GetStreamingResponseAsync(list, await DecideAsync(list, options, cancellationToken).ConfigureAwait(false), cancellationToken);
        await foreach (var update in streamed.ConfigureAwait(false))
        {
            yield return update;
        }
    }

    private async Task<ChatResponse> DecideThenCacheAsync(IReadOnlyList<ChatMessage> list, ChatOptions? options, CancellationToken cancellationToken)
    {
        var decided = await DecideAsync(list, options, cancellationToken).ConfigureAwait(false);
        return await base.GetResponseAsync(list, decided, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override bool EnableCaching(IEnumerable<ChatMessage> messages, ChatOptions? options) =>
        Decision(options)?.Route.CacheTimeToLive is not null && base.EnableCaching(messages, options);

    /// <inheritdoc />
    protected override string GetCacheKey(IEnumerable<ChatMessage> messages, ChatOptions? options, params ReadOnlySpan<object?> additionalValues)
    {
        var decision = Decision(options)!;
        var keyed = options!.Clone();
        keyed.AdditionalProperties = new(options.AdditionalProperties!);
        keyed.AdditionalProperties.Remove(FallbackRouter.DecisionKey);
        var models = string.Join(";", decision.Models.OrderBy(m => m.Key, StringComparer.OrdinalIgnoreCase).Select(m => $"{m.Key}={m.Value}"));
        return base.GetCacheKey(messages, keyed, [.. additionalValues, decision.Route.Name, models]);
    }

    /// <inheritdoc />
    protected override async Task<ChatResponse?> ReadCacheAsync(string key, CancellationToken cancellationToken)
    {
        ChatResponse? response;
        try
        {
            response = await base.ReadCacheAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever the store throws (a lost Redis, a value another version wrote): a miss; the chain answers.
            LogCacheFailed("read", e.Message);
            return null;
        }

        if (response is null)
        {
            return null;
        }

        var report = new FallbackReport
        {
            Backend = Text(response, BackendKey),
            Model = Text(response, ModelKey),
            Route = Text(response, RouteKey),
            ChosenBy = "cache",
            Cached = true,
        };
        LogHit(report.Route ?? "?", report.Backend ?? "?");
        (response.AdditionalProperties ??= [])[FallbackReport.MetadataKey] = report;
        foreach (var message in response.Messages)
        {
            (message.AdditionalProperties ??= [])[FallbackReport.MetadataKey] = report;
        }

        return response;
    }

    /// <inheritdoc />
    protected override async Task WriteCacheAsync(string key, ChatResponse value, CancellationToken cancellationToken)
    {
        if (value.GetFallbackReport() is not { Backend: { } backend } report || report.Cached
            || report.Route is null || !_router.TryGetRoute(report.Route, out var route) || route.CacheTimeToLive is not { } ttl)
        {
            return;
        }

        var made = report.Attempts.LastOrDefault(a => a.Outcome == FallbackAttemptOutcome.Succeeded)?.Duration ?? TimeSpan.Zero;
        if (made < route.CacheMinGenerationTime)
        {
            LogTooQuick(route.Name, FallbackErrorClassifier.Format(made), FallbackErrorClassifier.Format(route.CacheMinGenerationTime));
            return;
        }

        var stored = Storable(value, backend, report);
        try
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(stored, JsonSerializerOptions.GetTypeInfo(typeof(ChatResponse)));
            await _storage.SetAsync(key, bytes, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = ttl }, cancellationToken).ConfigureAwait(false);
            LogStored(route.Name, backend, FallbackErrorClassifier.Format(made), FallbackErrorClassifier.Format(ttl));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The answer has gone out; a store that cannot keep it (a lost Redis) only costs the next call a miss.
            LogCacheFailed("write", e.Message);
        }
    }

    /// <inheritdoc />
    /// <remarks>Not used: streamed answers are coalesced and cached as one response (<see cref="CachingChatClient.CoalesceStreamingUpdates"/>).</remarks>
    protected override Task WriteCacheStreamingAsync(string key, IReadOnlyList<ChatResponseUpdate> value, CancellationToken cancellationToken) =>
        WriteCacheAsync(key, value.ToChatResponse(), cancellationToken);

    private async ValueTask<ChatOptions> DecideAsync(IReadOnlyList<ChatMessage> list, ChatOptions? options, CancellationToken cancellationToken)
    {
        var decided = options?.Clone() ?? new ChatOptions();
        decided.AdditionalProperties = decided.AdditionalProperties is { } properties ? new(properties) : [];
        var decision = await _router.DecideAsync(list, decided, cancellationToken).ConfigureAwait(false);
        return decided.WithFallbackDecision(decision);
    }

    private static FallbackRouteDecision? Decision(ChatOptions? options) =>
        options?.AdditionalProperties is { } p && p.TryGetValue(FallbackRouter.DecisionKey, out var d) ? d as FallbackRouteDecision : null;

    /// <summary>The answer as stored: its text and plain values, the report replaced by who made it.</summary>
    private static ChatResponse Storable(ChatResponse value, string backend, FallbackReport report)
    {
        var messages = value.Messages.Select(m => new ChatMessage(m.Role, m.Contents.Where(c => c is TextContent or FunctionCallContent or UsageContent).ToList())
        {
            AuthorName = m.AuthorName,
            MessageId = m.MessageId,
            AdditionalProperties = Plain(m.AdditionalProperties),
        }).ToList();
        var properties = Plain(value.AdditionalProperties) ?? [];
        properties[BackendKey] = backend;
        properties[ModelKey] = report.Model;
        properties[RouteKey] = report.Route;
        return new ChatResponse(messages)
        {
            ResponseId = value.ResponseId,
            ModelId = value.ModelId,
            CreatedAt = value.CreatedAt,
            FinishReason = value.FinishReason,
            Usage = value.Usage,
            AdditionalProperties = properties,
        };
    }

    /// <summary>The values that serialize as themselves (strings, numbers, booleans); reports, progress and connector objects are left out.</summary>
    private static AdditionalPropertiesDictionary? Plain(AdditionalPropertiesDictionary? properties)
    {
        if (properties is null)
        {
            return null;
        }

        AdditionalPropertiesDictionary plain = [];
        foreach (var (key, item) in properties)
        {
            if (item is string or bool or int or long or double)
            {
                plain[key] = item;
            }
        }

        return plain;
    }

    private static string? Text(ChatResponse response, string key) =>
        response.AdditionalProperties?.TryGetValue(key, out var value) == true ? value switch
        {
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
            _ => value?.ToString(),
        } : null;

    [LoggerMessage(40, LogLevel.Information, "[cache] {Route}: answered from the cache (made by {Backend})")]
    private partial void LogHit(string route, string backend);

    [LoggerMessage(41, LogLevel.Debug, "[cache] {Route}: kept {Backend}'s answer (made in {Made}) for {Ttl}")]
    private partial void LogStored(string route, string backend, string made, string ttl);

    [LoggerMessage(42, LogLevel.Debug, "[cache] {Route}: not kept, made in {Made} (under {Min})")]
    private partial void LogTooQuick(string route, string made, string min);

    [LoggerMessage(43, LogLevel.Debug, "[cache] {Operation} failed ({Reason}); answering without the cache")]
    private partial void LogCacheFailed(string operation, string reason);
}
