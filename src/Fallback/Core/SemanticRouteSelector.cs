using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AgentHost.Fallback.Core;

/// <summary>
/// Chooses a route by similarity of the last user message to example utterances, through MEAI's
/// <see cref="SemanticRoutingChatClient"/>: each route is a marker client that answers with the route's name, so the
/// MEAI router picks and this class reads its pick (the chain, not the marker, then serves the request). A failed or
/// slow embedding request yields no route and pauses semantic routing for a while.
/// </summary>
internal sealed class SemanticRouteSelector : IDisposable
{
    private readonly SemanticRoutingChatClient _router;
    private readonly FallbackSemanticRoutingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _pausedUntil;

    public SemanticRouteSelector(IEmbeddingGenerator<string, Embedding<float>> generator, IReadOnlyDictionary<string, IReadOnlyList<string>> examples,
        FallbackSemanticRoutingOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        var profiles = examples.ToDictionary(e => (IChatClient)new RouteMarker(e.Key), e => e.Value);
        _router = new SemanticRoutingChatClient(generator, profiles, new RouteMarker(null), (float)options.Threshold, 1,
            SemanticRoutingChatClient.ScoreAggregation.Mean, leaveOpen: true);
    }

    /// <summary>The most similar route above the threshold, or <see langword="null"/> (none, no text, or embedding failed).</summary>
    public async Task<string?> SelectAsync(string text, CancellationToken cancellationToken)
    {
        if (text.Length == 0 || _time.GetTimestamp() < Interlocked.Read(ref _pausedUntil))
        {
            return null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            var pick = await _router.GetResponseAsync([new ChatMessage(ChatRole.User, text)], cancellationToken: timeout.Token).ConfigureAwait(false);
            return pick.AdditionalProperties?[RouteMarker.Key] as string;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever the embedding generator throws (unreachable, bad reply): routing goes on by rules alone for a while.
            var pause = _options.RetryAfter;
            Interlocked.Exchange(ref _pausedUntil, _time.GetTimestamp() + (long)(pause.TotalSeconds * _time.TimestampFrequency));
            _logger.SemanticFailed(timeout.IsCancellationRequested ? $"no embedding within {FallbackErrorClassifier.Format(_options.Timeout)}" : FallbackErrorClassifier.Describe(e),
                FallbackErrorClassifier.Format(pause));
            return null;
        }
    }

    public void Dispose() => _router.Dispose();

    /// <summary>Stands for one route inside the MEAI router; "answers" with the route's name and calls no model.</summary>
    private sealed class RouteMarker(string? route) : IChatClient
    {
        public const string Key = "agenthost.semantic.route";

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse { AdditionalProperties = new() { [Key] = route } });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
