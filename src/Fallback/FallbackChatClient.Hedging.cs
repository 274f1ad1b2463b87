using AgentHost.Fallback.Core;
using Microsoft.Extensions.Logging;

namespace AgentHost.Fallback;

/// <summary>The hedged path of the chain: used only when <see cref="FallbackHedgingOptions.Enabled"/> is on.</summary>
/// <remarks>
/// Why not Polly's hedging strategy: it hedges one callback, and decides on each execution's completed outcome, then
/// cancels and disposes the losers' tokens when the winning execution returns. Here each hedge is a different backend
/// the planner picks only when the hedge fires (skipped and deferred ones recorded, the model chosen from that
/// backend's catalog, a circuit-open trial past its breaker), and a streamed attempt wins at its first token while its
/// stream goes on long after the race: the winner must keep its own token, which Polly's hedging does not hand out.
/// Each hedged attempt still runs through its backend's Polly pipeline (retry, breaker, timeout).
/// </remarks>
public sealed partial class FallbackChatClient
{
    /// <summary>With hedging: starts backends in order, and a second one beside a slow first, until one commits.</summary>
    private async Task<BackendAttempt> AcquireRacingAsync(FallbackCall call, bool streaming, CancellationToken cancellationToken)
    {
        var running = new List<BackendAttempt>(2);
        using var hedgeCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task? hedge = null;
        try
        {
            while (true)
            {
                if (running.Count == 0)
                {
                    running.Add(await StartNextAsync(call, streaming, raced: true, cancellationToken).ConfigureAwait(false) ?? throw Exhausted(call));
                    hedge = null;
                }

                if (hedge is null && running.Count == 1 && call.Planner.HasMore)
                {
                    hedge = Task.Delay(_options.Hedging.Delay, _time, hedgeCts.Token);
                }

                // Committed always completes (with the first content or the failure), so no other wake-up is needed.
                var done = await Task.WhenAny(hedge is null ? running.Select(a => (Task)a.Committed) : running.Select(a => (Task)a.Committed).Append(hedge)).ConfigureAwait(false);
                if (done == hedge)
                {
                    hedge = null;
                    if (await StartNextAsync(call, streaming, raced: true, cancellationToken).ConfigureAwait(false) is { } extra)
                    {
                        _logger.Hedging(running[0].Name, FallbackErrorClassifier.Format(_options.Hedging.Delay), extra.Name);
                        running.Add(extra);
                    }

                    continue;
                }

                cancellationToken.ThrowIfCancellationRequested();
                var attempt = running.First(a => a.Committed == done);
                running.Remove(attempt);
                if (attempt.Committed.Result)
                {
                    await CancelAllAsync(call, running, $"{attempt.Name} answered first").ConfigureAwait(false);
                    return attempt;
                }

                await using (attempt.ConfigureAwait(false))
                {
                    await attempt.Run.ConfigureAwait(false);
                    OnFailed(call, attempt, cancellationToken);
                }

                hedge = null;
            }
        }
        catch (Exception)
        {
            // Whatever ends the race early (caller's cancellation, every backend failed): stop the others, then rethrow as is.
            await CancelAllAsync(call, running, cancellationToken.IsCancellationRequested ? "cancelled by the caller" : "call ended").ConfigureAwait(false);
            throw;
        }
        finally
        {
            await hedgeCts.CancelAsync().ConfigureAwait(false);
        }
    }

    private static async Task CancelAllAsync(FallbackCall call, List<BackendAttempt> running, string why)
    {
        foreach (var attempt in running)
        {
            attempt.Cancel();
            await attempt.DisposeAsync().ConfigureAwait(false);
            call.Add(attempt.ToRecord(FallbackAttemptOutcome.Cancelled, why));
        }

        running.Clear();
    }
}
