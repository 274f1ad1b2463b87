using System.Runtime.ExceptionServices;
using AgentHost.Fallback.Core;
using Polly.CircuitBreaker;

namespace AgentHost.Fallback;

/// <summary>Finding the backend that answers: planning, starting and committing attempts, in order; recording skips and failures.</summary>
public sealed partial class FallbackChatClient
{
    /// <summary>
    /// Non-streaming, without hedging: each backend's pipeline runs inline on the caller's thread (no thread-pool hop,
    /// no race machinery) and is awaited to its end. (The streaming path runs the same loop in its iterator, since it
    /// yields progress between attempts.)
    /// </summary>
    private async ValueTask<BackendAttempt> AcquireInOrderAsync(FallbackCall call, CancellationToken cancellationToken)
    {
        while (true)
        {
            var attempt = await StartNextAsync(call, streaming: false, raced: false, cancellationToken).ConfigureAwait(false) ?? throw Exhausted(call);
            if (await CommitsAsync(call, attempt, streaming: false, cancellationToken).ConfigureAwait(false))
            {
                return attempt;
            }
        }
    }

    /// <summary>
    /// Waits for <paramref name="attempt"/> to commit (true: the caller owns it) or to fail (false: recorded, disposed,
    /// the chain moves on); rethrows what must surface at once (caller errors, the caller's cancellation).
    /// </summary>
    private async ValueTask<bool> CommitsAsync(FallbackCall call, BackendAttempt attempt, bool streaming, CancellationToken cancellationToken)
    {
        bool committed;
        if (streaming)
        {
            committed = await attempt.Committed.ConfigureAwait(false);
        }
        else
        {
            if (!attempt.Run.IsCompleted)
            {
                await attempt.Run.ConfigureAwait(false);
            }

            committed = attempt.Error is null;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            attempt.Cancel();
            await attempt.DisposeAsync().ConfigureAwait(false);
            call.Add(attempt.ToRecord(FallbackAttemptOutcome.Cancelled, "cancelled by the caller"));
            cancellationToken.ThrowIfCancellationRequested();
        }

        if (committed)
        {
            return true;
        }

        await using (attempt.ConfigureAwait(false))
        {
            if (!attempt.Run.IsCompleted)
            {
                await attempt.Run.ConfigureAwait(false);
            }

            OnFailed(call, attempt, cancellationToken);
        }

        return false;
    }

    /// <summary>
    /// Plans and starts the next attempt: records what the planner skipped or deferred, picks the model the backend has
    /// (a backend with none usable is skipped too), logs the failure that led here naming the backend tried next.
    /// </summary>
    private async ValueTask<BackendAttempt?> StartNextAsync(FallbackCall call, bool streaming, bool raced, CancellationToken cancellationToken)
    {
        while (true)
        {
            List<FallbackAttempt>? skipped = null;
            var planned = call.Planner.Next(ref skipped);
            if (skipped is not null)
            {
                foreach (var skip in skipped)
                {
                    Record(call, skip);
                }
            }

            if (planned is not { } chosen)
            {
                LogPendingFailure(call, next: null);
                return null;
            }

            var forwardModelId = _options.ForwardModelId && call.Route.ChosenBy != FallbackRouteDecision.ByCaller;
            var model = await ChooseModelAsync(call, chosen.Backend, forwardModelId, cancellationToken).ConfigureAwait(false);
            if (model.SkipReason is { } why)
            {
                Record(call, new FallbackAttempt { Backend = chosen.Backend.Name, Outcome = FallbackAttemptOutcome.Skipped, SkipReason = why });
                continue;
            }

            LogPendingFailure(call, chosen.Backend.Name);
            var (messages, options) = RouteShaping.ForBackend(call.Route.Route, chosen.Backend.Name, call.Messages, call.Options);
            return BackendAttempt.Start(chosen, messages, options, streaming, raced,
                forwardModelId, (model.Model, model.SubstitutedFor), cancellationToken);
        }
    }

    private void Record(FallbackCall call, FallbackAttempt skip)
    {
        call.Add(skip);
        if (skip.Outcome == FallbackAttemptOutcome.Deferred)
        {
            _logger.Deferred(skip.Backend, skip.SkipReason!);
        }
        else
        {
            _logger.Skipped(skip.Backend, skip.SkipReason!);
        }
    }

    /// <summary>Logs the failure not yet logged (if any), naming <paramref name="next"/> (null: none is left).</summary>
    private void LogPendingFailure(FallbackCall call, string? next)
    {
        if (call.PendingFailure is { } pending)
        {
            _logger.Failed(pending.Backend, pending.Error, next is null ? "no backend left" : $"trying {next}");
            call.PendingFailure = null;
        }
    }

    /// <summary>
    /// The model to ask <paramref name="backend"/> for: the route's (or its configured one) when the backend reports
    /// having it or reports nothing; else a substitute it has (<see cref="FallbackModelOptions"/>); else a reason to skip
    /// it. A model the caller named, or forwards, is never substituted.
    /// </summary>
    private async ValueTask<(string? Model, string? SubstitutedFor, string? SkipReason)> ChooseModelAsync(FallbackCall call, FallbackBackend backend,
        bool forwardModelId, CancellationToken cancellationToken)
    {
        var routeModel = call.Route.ModelFor(backend.Name);
        var callerModel = call.Route.Route.IsModel || (forwardModelId && call.Options?.ModelId is { Length: > 0 });
        if (!_options.Models.Enabled || callerModel)
        {
            return (routeModel, null, null);
        }

        var wanted = routeModel ?? backend.Options.Model;
        if (string.IsNullOrWhiteSpace(wanted) || await _router.Directory.GetAsync(backend.Name, cancellationToken).ConfigureAwait(false) is not { } available)
        {
            return (routeModel, null, null);
        }

        var (model, how) = ModelChooser.Choose(wanted, available, _options.Models);
        switch (how)
        {
            case ModelChoice.Wanted:
                return (routeModel, null, null);
            case ModelChoice.None:
                return (null, null, $"no usable model: {wanted} missing, it has only {string.Join(", ", available)}");
            default:
                _logger.ModelSubstituted(backend.Name, wanted, model!, how switch
                {
                    ModelChoice.Variant => "a variant of its name",
                    ModelChoice.Fallback => $"next in {wanted}'s fallback list",
                    _ => "the first chat model it has",
                });
                return (model, wanted, null);
        }
    }

    /// <summary>Records a failed attempt; rethrows what must surface at once (caller errors, the caller's cancellation).</summary>
    private void OnFailed(FallbackCall call, BackendAttempt attempt, CancellationToken cancellationToken)
    {
        var error = attempt.Error!;
        if (error is BrokenCircuitException && attempt.Tries == 0)
        {
            // The circuit was open when the attempt reached it (just opened, or another call's half-open trial is in
            // flight): put the backend off like one the planner found open.
            List<FallbackAttempt>? deferred = null;
            var reason = attempt.Backend.Breaker.DescribeOpen();
            call.Planner.Defer(attempt.Backend, reason, ref deferred);
            call.Add(deferred![0]);
            _logger.Deferred(attempt.Name, reason);
            return;
        }

        var cause = error is BrokenCircuitException && attempt.LastTryError is { } last ? last : error;
        var kind = FallbackErrorClassifier.Classify(cause, cancellationToken);
        if (kind == FallbackErrorClass.Cancelled)
        {
            call.Add(attempt.ToRecord(FallbackAttemptOutcome.Cancelled, "cancelled by the caller"));
            cancellationToken.ThrowIfCancellationRequested();
        }

        var text = FallbackErrorClassifier.Describe(cause);
        if (FallbackErrorClassifier.RetryAfterOf(cause) is { } wait && wait > attempt.Backend.Resilience.Settings.MaxRetryAfterWait)
        {
            text += $" (asked to wait {FallbackErrorClassifier.Format(wait)}; not waiting)";
        }

        call.Add(attempt.ToRecord(FallbackAttemptOutcome.Failed, text));
        call.LastError = cause;
        if (kind == FallbackErrorClass.CallerError)
        {
            _logger.Failed(attempt.Name, text, "caller error, not failing over");
            cause.Data[FallbackReport.MetadataKey] = call.Report();
            ExceptionDispatchInfo.Throw(cause);
        }

        if (FallbackErrorClassifier.IsModelNotFound(cause))
        {
            // What the backend reported is out of date: ask its catalog again on the next call.
            _router.Directory.Invalidate(attempt.Name);
        }

        if (kind == FallbackErrorClass.ContextLength)
        {
            call.Planner.ContextTooLong(attempt.Backend);
        }

        call.PendingFailure = (attempt.Name, text);
        _telemetry.Failover(attempt.Name, call.Route.Route.Name);
    }
}
