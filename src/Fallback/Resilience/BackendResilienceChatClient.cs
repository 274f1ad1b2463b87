using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using Polly.CircuitBreaker;

namespace AgentHost.Fallback.Resilience;

/// <summary>
/// One backend's client under its resilience (<see cref="ChatClientBuilderBackendResilienceExtensions.UseBackendResilience(ChatClientBuilder, string, BackendResilienceOptions?, TimeProvider?, Microsoft.Extensions.Logging.ILoggerFactory?)"/>):
/// each call runs through the backend's Polly pipeline (transient failures retried, honouring <c>Retry-After</c> up to a
/// limit; a circuit breaker shared by every call; the attempt timeout), a streamed call also within its first-token and
/// idle timeouts. A reply or stream with no content is a failure. A stream passes nothing on before its first content,
/// and is never retried after it. A call refused by an open circuit throws <see cref="BrokenCircuitException"/>; one
/// that opened the circuit with its own failures throws its last failure.
/// </summary>
/// <remarks>
/// The chain runs its attempts through the same <see cref="BackendCall"/> (it also needs the commit signal, the try
/// count and the deferred trial past an open breaker, which this face does not expose).
/// </remarks>
public sealed class BackendResilienceChatClient : DelegatingChatClient
{
    internal BackendResilienceChatClient(IChatClient innerClient, BackendResilience resilience)
        : base(innerClient)
    {
        Resilience = resilience;
    }

    internal BackendResilience Resilience { get; }

    internal IChatClient Inner => InnerClient;

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var call = new BackendCall(InnerClient, Resilience, messages as IReadOnlyList<ChatMessage> ?? [.. messages], options, updates: null);
        var outcome = await call.ExecuteAsync(breakerTrial: false, cancellationToken).ConfigureAwait(false);
        if (outcome.Exception is { } error)
        {
            ThrowFailure(call, error);
        }

        return call.Response!;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var channel = Channel.CreateUnbounded<ChatResponseUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = true });
        var call = new BackendCall(InnerClient, Resilience, messages as IReadOnlyList<ChatMessage> ?? [.. messages], options, channel);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = RunAsync(call, stop.Token);
        try
        {
            while (await channel.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var update))
                {
                    yield return update;
                }
            }
        }
        finally
        {
            // The caller stopped reading (or the stream ended): stop the backend's stream, then wait for it to let go.
            await stop.CancelAsync().ConfigureAwait(false);
            await run.ConfigureAwait(false);
        }

        if (run.Result is { } error)
        {
            ThrowFailure(call, error);
        }
    }

    // The call completes the channel itself (with the failure, which this face rethrows after the updates it passed on).
    private static async Task<Exception?> RunAsync(BackendCall call, CancellationToken cancellationToken) =>
        (await call.ExecuteAsync(breakerTrial: false, cancellationToken).ConfigureAwait(false)).Exception;

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowFailure(BackendCall call, Exception error) =>
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error is BrokenCircuitException && call.LastTryError is { } last ? last : error);
}
