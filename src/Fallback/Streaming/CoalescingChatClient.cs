using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Streaming;

/// <summary>
/// A chat client that sends updates already there together as one: its streaming call reads the inner stream ahead
/// and, each time the consumer asks, yields everything buffered, consecutive text-only updates merged into one.
/// It never waits for more, so a paced stream keeps its pacing and a burst becomes a few updates.
/// </summary>
/// <remarks>
/// Updates with anything but text (function calls, usage), a finish reason or additional properties (the chain's
/// progress and attempt report) pass through unchanged and in order. An error of the inner stream is thrown after the
/// text it produced before it. Non-streaming calls pass through. Thread safety: as the inner client's.
/// </remarks>
public sealed class CoalescingChatClient : DelegatingChatClient
{
    /// <summary>How many updates the read-ahead holds before it waits for the consumer.</summary>
    public const int DefaultCapacity = 1024;

    private readonly int _capacity;

    /// <summary>Creates the client over <paramref name="innerClient"/>.</summary>
    /// <param name="innerClient">The client whose streams are coalesced.</param>
    /// <param name="capacity">How many updates the read-ahead may hold; at least 1.</param>
    public CoalescingChatClient(IChatClient innerClient, int capacity = DefaultCapacity)
        : base(innerClient)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<ChatResponseUpdate>(new BoundedChannelOptions(_capacity) { SingleReader = true, SingleWriter = true });
        using var pumpCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stream = base.GetStreamingResponseAsync(messages, options, pumpCancellation.Token);
        var pump = new ReadAhead(stream, channel.Writer, pumpCancellation.Token);
        var pumping = Task.Run(pump.RunAsync, CancellationToken.None);
        try
        {
            var merger = new UpdateMerger();
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var update))
                {
                    if (merger.TryAdd(update))
                    {
                        continue;
                    }

                    if (merger.TakeMerged() is { } text)
                    {
                        yield return text;
                    }

                    if (merger.TryAdd(update))
                    {
                        continue;
                    }

                    yield return update;
                }

                if (merger.TakeMerged() is { } rest)
                {
                    yield return rest;
                }
            }

            pump.Error?.Throw();
        }
        finally
        {
            await pumpCancellation.CancelAsync().ConfigureAwait(false);
            await pumping.ConfigureAwait(false);
        }
    }

    /// <summary>Moves the inner stream's updates into the channel, keeping what ended it.</summary>
    private sealed class ReadAhead(IAsyncEnumerable<ChatResponseUpdate> stream, ChannelWriter<ChatResponseUpdate> writer, CancellationToken cancellationToken)
    {
        /// <summary>What the inner stream threw, if it did; read only after the channel completed.</summary>
        public ExceptionDispatchInfo? Error { get; private set; }

        public async Task RunAsync()
        {
            try
            {
                await foreach (var update in stream.WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    await writer.WriteAsync(update, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) // whatever the inner stream threw (or the cancellation of the pump): the consumer rethrows it after the text before it
            {
                Error = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                writer.TryComplete();
            }
        }
    }
}
