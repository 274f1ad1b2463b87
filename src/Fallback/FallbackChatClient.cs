using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text;
using AgentHost.Backends;
using AgentHost.Fallback.Core;
using AgentHost.Fallback.Resilience;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace AgentHost.Fallback;

/// <summary>
/// The fallback chain as an <see cref="IChatClient"/>: each model call goes to the backends of
/// <see cref="FallbackOptions.Order"/> in turn (their keyed <see cref="IChatClient"/>s), skipping those that are down,
/// open-circuited or unable to serve the request, until one answers. Streaming commits on the first content: before it
/// a failure fails over silently, after it a <see cref="FallbackStreamInterruptedException"/> says what was streamed.
/// Every answer carries a <see cref="FallbackReport"/>. Put function invocation above this client, never below.
/// </summary>
public sealed partial class FallbackChatClient : IChatClient
{
    private readonly IReadOnlyList<FallbackOrderEntry> _order;
    private readonly Dictionary<string, FallbackBackend> _backends = new(StringComparer.OrdinalIgnoreCase);
    private readonly BackendHealthMonitor _health;
    private readonly FallbackOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ChatClientMetadata _metadata = new(FallbackTelemetry.Name);
    private readonly FallbackRouter _router;
    private readonly ConditionalWeakTable<IReadOnlyList<FallbackOrderEntry>, RoutePlan> _plans = [];
    private readonly ConditionalWeakTable<IReadOnlyList<FallbackOrderEntry>, RoutePlan>.CreateValueCallback _newPlan;

    /// <summary>
    /// Creates the chain over <paramref name="backends"/>, in the order of <see cref="FallbackOptions.Order"/>, with
    /// their health from <paramref name="health"/> and each call's route from <paramref name="router"/> (build the three
    /// over the same backends; <see cref="FallbackChainBuilder"/> does, and so do the DI registrations).
    /// </summary>
    public FallbackChatClient(IEnumerable<ChainBackend> backends, IOptions<FallbackOptions> options, BackendHealthMonitor health, FallbackRouter router,
        TimeProvider? timeProvider = null, ILogger<FallbackChatClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(router);
        _options = options.Value;
        _health = health;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        IReadOnlyList<ChainBackend> sources = [.. backends.DistinctBy(b => b.Name, StringComparer.OrdinalIgnoreCase)];
        var descriptors = sources.Select(b => b.Descriptor).ToList();
        _order = FallbackOrder.Resolve(_options, descriptors, out var error, FallbackOrder.EnabledIn(sources));
        if (error is not null)
        {
            throw new OptionsValidationException(nameof(FallbackOptions), typeof(FallbackOptions), [error]);
        }

        _router = router;

        // Routes may use any registered backend, so every one gets its pipeline (breaker state lives there).
        foreach (var source in sources)
        {
            var descriptor = source.Descriptor;
            var settings = BackendResilienceSettings.Resolve(_options.Resilience, _options.Backends.GetValueOrDefault(descriptor.Name));
            var breaker = new BackendBreakerState(_time);
            var pipeline = BackendResiliencePipeline.Create(descriptor.Name, settings, _time, _logger, breaker);
            var trial = BackendResiliencePipeline.CreateTrial(descriptor.Name, settings, _time);
            _backends[descriptor.Name] = new FallbackBackend(source, settings, pipeline, trial, breaker);
        }

        _newPlan = entries => new RoutePlan(entries, name => _backends[name]);
    }

    /// <summary>The order in force, as configured (e.g. <c>Victoria?</c>, <c>Mlx</c>, ...), with registered spellings.</summary>
    public IReadOnlyList<string> Order => [.. _order.Select(e => e.ToString())];

    /// <summary>The router that chooses each call's route and models (routes, rules, semantic routing).</summary>
    public FallbackRouter Router => _router;

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using var activity = FallbackTelemetry.ActivitySource.StartActivity("fallback.chat");
        var call = await NewCallAsync(messages, options, cancellationToken).ConfigureAwait(false);
        await using var winner = await (_options.Hedging.Enabled
            ? AcquireRacingAsync(call, streaming: false, cancellationToken)
            : AcquireInOrderAsync(call, cancellationToken)).ConfigureAwait(false);
        if (!winner.Run.IsCompleted)
        {
            await winner.Run.ConfigureAwait(false);
        }

        var response = winner.Response!;
        var report = Succeed(call, winner, response.ModelId, activity);
        Stamp(response.AdditionalProperties ??= [], report);
        foreach (var message in response.Messages)
        {
            Stamp(message.AdditionalProperties ??= [], report);
        }

        return response;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using var activity = FallbackTelemetry.ActivitySource.StartActivity("fallback.chat.stream");
        var call = await NewCallAsync(messages, options, cancellationToken).ConfigureAwait(false);
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

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : serviceType == typeof(BackendHealthMonitor) ? _health
            : serviceType == typeof(FallbackRouter) ? _router
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The backends' clients belong to the container that registered them.
    }

    private async ValueTask<FallbackCall> NewCallAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        IReadOnlyList<ChatMessage> list = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var route = await _router.DecideAsync(list, options, cancellationToken).ConfigureAwait(false);
        var plan = _plans.GetValue(route.Route.Entries, _newPlan);
        return new FallbackCall(list, options, new AttemptPlanner(plan, _health, list, options), route);
    }

    /// <summary>
    /// Non-streaming, without hedging: each backend's pipeline runs inline on the caller's thread (no thread-pool hop,
    /// no race machinery) and is awaited to its end. (The streaming path runs the same loop in its iterator, since it
    /// yields progress between attempts.)
    /// </summary>
    private async Task<BackendAttempt> AcquireInOrderAsync(FallbackCall call, CancellationToken cancellationToken)
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

    /// <summary>A content-less update telling a streaming caller that the chain moved on (before any content).</summary>
    private static ChatResponseUpdate ProgressUpdate(FallbackProgress progress) => new(ChatRole.Assistant, (IList<AIContent>)[])
    {
        AdditionalProperties = new() { [FallbackProgress.MetadataKey] = progress },
    };

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
                LogPendingFailure(call, "no backend left");
                return null;
            }

            var forwardModelId = _options.ForwardModelId && call.Route.ChosenBy != FallbackRouteDecision.ByCaller;
            var model = await ChooseModelAsync(call, chosen.Backend, forwardModelId, cancellationToken).ConfigureAwait(false);
            if (model.SkipReason is { } why)
            {
                Record(call, new FallbackAttempt { Backend = chosen.Backend.Name, Outcome = FallbackAttemptOutcome.Skipped, SkipReason = why });
                continue;
            }

            LogPendingFailure(call, $"trying {chosen.Backend.Name}");
            return BackendAttempt.Start(chosen, call.Messages, call.Options, streaming, raced,
                forwardModelId, (model.Model, model.SubstitutedFor),
                _time, _logger, cancellationToken);
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

    private void LogPendingFailure(FallbackCall call, string next)
    {
        if (call.PendingFailure is { } pending)
        {
            _logger.Failed(pending.Backend, pending.Error, next);
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
            call.Planner.Defer(attempt.Backend, "circuit open", ref deferred);
            call.Add(deferred![0]);
            _logger.Deferred(attempt.Name, "circuit open");
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
        if (FallbackErrorClassifier.RetryAfterOf(cause) is { } wait && wait > attempt.Backend.Resilience.MaxRetryAfterWait)
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
        FallbackTelemetry.Failover(attempt.Name);
    }

    private FallbackExhaustedException Exhausted(FallbackCall call)
    {
        FallbackTelemetry.NoBackendAnswered();
        var report = call.Report();
        var exception = new FallbackExhaustedException(report, call.LastError);
        Activity.Current?.SetStatus(ActivityStatusCode.Error, exception.Message);
        return exception;
    }

    private FallbackReport Succeed(FallbackCall call, BackendAttempt winner, string? modelId, Activity? activity)
    {
        var record = winner.ToRecord(FallbackAttemptOutcome.Succeeded);
        call.Add(record);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.Answered(winner.Name, FallbackErrorClassifier.Format(record.Duration), record.TimeToFirstToken is { } t ? FallbackErrorClassifier.Format(t) : "-");
        }

        activity?.SetTag("agenthost.backend", winner.Name);
        activity?.SetTag("agenthost.attempts", call.Attempts.Count);
        return call.Report(winner.Name, ModelOf(winner, modelId));
    }

    private static string? ModelOf(BackendAttempt attempt, string? reported)
    {
        if (!string.IsNullOrWhiteSpace(reported))
        {
            return reported;
        }

        try
        {
            return attempt.Backend.Options.Model;
        }
        catch (Exception)
        {
            // Options that cannot be read: the report names no configured model (the attempt says why it failed).
            return null;
        }
    }

    private static void Stamp(AdditionalPropertiesDictionary properties, FallbackReport report) => properties[FallbackReport.MetadataKey] = report;
}
