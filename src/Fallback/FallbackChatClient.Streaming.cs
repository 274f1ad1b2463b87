using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using AgentHost.Fallback.Core;
using Microsoft.Extensions.AI;

namespace AgentHost.Fallback;

/// <summary>The chain's streaming call: progress while it looks for a backend, then the winner's updates, the report on the first and a last update.</summary>
public sealed partial class FallbackChatClient
{
    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using var activity = FallbackTelemetry.ActivitySource.StartActivity("fallback.chat.stream");
        var call = await NewCallAsync(messages, options, streaming: true, cancellationToken).ConfigureAwait(false);
        BackendAttempt? acquired = null;
        if (_options.Hedging.Enabled)
        {
            acquired = await AcquireRacingAsync(call, streaming: true, cancellationToken).ConfigureAwait(false);
        }

        BackendAttempt? pending = null;
        try
        {
            while (acquired is null)
            {
                // In order, as AcquireInOrderAsync does, telling the caller each failure or skip as the chain moves on;
                // a streaming attempt is awaited to its first content or its failure.
                pending = await StartNextAsync(call, streaming: true, raced: false, cancellationToken).ConfigureAwait(false) ?? throw Exhausted(call);
                if (call.TakeProgress(pending.Name) is { } progress)
                {
                    foreach (var p in progress)
                    {
                        yield return ProgressUpdate(p);
                    }
                }

                acquired = await CommitsAsync(call, pending, streaming: true, cancellationToken).ConfigureAwait(false) ? pending : null;
                pending = null;
            }
        }
        finally
        {
            if (pending is not null)
            {
                // The caller stopped reading while being told of progress (or CommitsAsync surfaced an error, having disposed it).
                await pending.DisposeAsync().ConfigureAwait(false);
            }
        }

        await using var winner = acquired;
        var streamed = new StringBuilder();
        ChatResponseUpdate? last = null;
        Exception? broke = null;
        while (true)
        {
            ChatResponseUpdate? update;
            try
            {
                if (!winner.Updates.TryRead(out update))
                {
                    if (!await winner.Updates.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }

                    continue;
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Whatever broke the committed stream (the backend's failure, a timeout): the caller gets a typed interruption.
                broke = ex;
                break;
            }

            if (last is null)
            {
                var snapshot = call.Report(winner.Name, ModelOf(winner, update.ModelId), complete: false, winner.ToRecord(FallbackAttemptOutcome.Succeeded));
                Stamp(update.AdditionalProperties ??= [], snapshot);
            }

            streamed.Append(update.Text);
            last = update;
            yield return update;
        }

        if (broke is not null)
        {
            var error = FallbackErrorClassifier.Describe(broke);
            call.Add(winner.ToRecord(FallbackAttemptOutcome.Failed, error));
            _logger.StreamInterrupted(winner.Name, streamed.Length, error);
            activity?.SetStatus(ActivityStatusCode.Error, error);
            throw new FallbackStreamInterruptedException(winner.Name, streamed.ToString(), call.Report(winner.Name, ModelOf(winner, last?.ModelId)), broke);
        }

        var report = Succeed(call, winner, last?.ModelId, activity);
        var final = new ChatResponseUpdate(last?.Role ?? ChatRole.Assistant, (IList<AIContent>)[])
        {
            MessageId = last?.MessageId,
            ResponseId = last?.ResponseId,
            AuthorName = last?.AuthorName,
            ModelId = last?.ModelId,
            AdditionalProperties = new() { [FallbackReport.MetadataKey] = report },
        };
        yield return final;
    }

    /// <summary>A content-less update telling a streaming caller that the chain moved on (before any content).</summary>
    private static ChatResponseUpdate ProgressUpdate(FallbackProgress progress) => new(ChatRole.Assistant, (IList<AIContent>)[])
    {
        AdditionalProperties = new() { [FallbackProgress.MetadataKey] = progress },
    };
}
