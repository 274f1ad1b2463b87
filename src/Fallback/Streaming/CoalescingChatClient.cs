using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Streaming;

/// <summary>
/// A chat client that sends updates already there together as one: while the inner stream's next update is ready
/// without waiting (its <c>MoveNextAsync</c> completes synchronously: the bytes were already received and are parsed
/// from the buffer), consecutive text-only updates are merged; as soon as the inner stream has to wait for anything,
/// what was merged goes out. It never waits for more, so a paced stream keeps its pacing and a burst becomes a few
/// updates.
/// </summary>
/// <remarks>
/// Placed directly above a backend's client (the producer is then only the connector's read and parse), "already there"
/// is decided by the stream itself, not by how fast another thread happens to drain a read-ahead; nothing runs beside
/// the consumer. At most <see cref="MaxMerged"/> updates go into one, so a stream that is always ahead still streams.
/// Updates with anything but text (function calls, usage), a finish reason or additional properties (the chain's
/// progress and attempt report) pass through unchanged and in order. An error of the inner stream is thrown after the
/// text it produced before it. Non-streaming calls pass through. Thread safety: as the inner client's.
/// </remarks>
public sealed class CoalescingChatClient : DelegatingChatClient
{
    /// <summary>
    /// How many updates are merged into one at most, by default: the first of a burst goes out after this many were
    /// parsed (a 20,000-line MLX burst: about 20 updates, the first after some 30 ms of parsing).
    /// </summary>
    public const int DefaultMaxMerged = 1024;

    /// <summary>Creates the client over <paramref name="innerClient"/>.</summary>
    /// <param name="innerClient">The client whose streams are coalesced.</param>
    /// <param name="maxMerged">How many updates are merged into one at most; at least 1.</param>
    public CoalescingChatClient(IChatClient innerClient, int maxMerged = DefaultMaxMerged)
        : base(innerClient)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMerged, 1);
        MaxMerged = maxMerged;
    }

    /// <summary>How many updates are merged into one at most.</summary>
    public int MaxMerged { get; }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Our own token: a consumer that stops while the inner stream is waiting must be able to end that wait.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var updates = base.GetStreamingResponseAsync(messages, options, stop.Token).GetAsyncEnumerator(stop.Token);
        ValueTask<bool>? inFlight = null;
        try
        {
            var merger = new UpdateMerger();
            ExceptionDispatchInfo? error = null;
            while (true)
            {
                var next = updates.MoveNextAsync();
                if ((!next.IsCompleted || merger.Count >= MaxMerged) && merger.TakeMerged() is { } ready)
                {
                    // The inner stream has to wait (or the merge is full): what is there goes out now.
                    inFlight = next;
                    yield return ready;
                    inFlight = null;
                }

                bool more;
                try
                {
                    more = await next.ConfigureAwait(false);
                }
                catch (Exception e) when (merger.Count > 0) // whatever the inner stream threw: the text before it goes out first
                {
                    error = ExceptionDispatchInfo.Capture(e);
                    more = false;
                }

                if (!more)
                {
                    break;
                }

                var update = updates.Current;
                if (merger.TryAdd(update))
                {
                    continue;
                }

                if (merger.TakeMerged() is { } text)
                {
                    yield return text;
                }

                if (!merger.TryAdd(update))
                {
                    yield return update;
                }
            }

            if (merger.TakeMerged() is { } rest)
            {
                yield return rest;
            }

            error?.Throw();
        }
        finally
        {
            await StopAsync(updates, inFlight, stop).ConfigureAwait(false);
        }
    }

    /// <summary>Ends the inner stream: a wait still running (the consumer stopped after a merged update) is cancelled and awaited first.</summary>
    private static async ValueTask StopAsync(IAsyncEnumerator<ChatResponseUpdate> updates, ValueTask<bool>? inFlight, CancellationTokenSource stop)
    {
        if (inFlight is { } pending)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch (Exception) // the cancellation just asked for, or whatever the inner stream threw meanwhile: nobody reads it any more
            {
            }
        }

        await updates.DisposeAsync().ConfigureAwait(false);
    }
}
