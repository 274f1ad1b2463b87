using System.Diagnostics;
using System.Threading.Channels;
using AgentHost.Backends;
using AgentHost.Fallback.Resilience;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Polly;

namespace AgentHost.Fallback.Core;

/// <summary>
/// One backend serving one model call through the backend's resilience pipeline. Without hedging an attempt runs
/// inline on the caller's thread until the backend first awaits (no thread-pool hop) and the chain awaits
/// <see cref="Run"/> or <see cref="Committed"/> directly; when racing (hedging) it starts on the thread pool.
/// <see cref="Committed"/> (streaming or racing only) completes with <see langword="true"/> at the first content
/// (streaming) or with the whole answer (non-streaming), and with <see langword="false"/> when the attempt fails before
/// that (the failure is in <see cref="Error"/>; no faulted task is left unobserved). Streamed updates are passed
/// through <see cref="Updates"/>; updates that carry no content are held back until the first content, so nothing of
/// a failed attempt reaches the caller.
/// </summary>
internal sealed class BackendAttempt : IAsyncDisposable
{
    private readonly FallbackBackend _backend;
    private readonly IReadOnlyList<ChatMessage> _messages;
    private readonly ChatOptions? _options;
    private readonly bool _forwardModelId;
    private readonly string? _model;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource? _cts;
    private readonly CancellationToken _token;
    private readonly TaskCompletionSource<bool>? _committed;
    private readonly Channel<ChatResponseUpdate>? _updates;
    private readonly long _started;
    private long _ended;
    private int _tries;
    private volatile bool _isCommitted;
    private bool _isBreakerTrial;
    private Task _run = Task.CompletedTask;

    private BackendAttempt(FallbackBackend backend, IReadOnlyList<ChatMessage> messages, ChatOptions? options, bool streaming, bool raced, bool forwardModelId,
        string? model, TimeProvider time, ILogger logger, CancellationToken callerToken)
    {
        _model = model;
        _backend = backend;
        _messages = messages;
        _options = options;
        _forwardModelId = forwardModelId;
        _time = time;
        _logger = logger;
        // A token of its own only when the chain may have to stop the attempt while it runs: a hedge that lost, or a
        // caller who stops reading a stream. An inline non-streaming attempt ends before the chain moves on.
        if (streaming || raced)
        {
            _cts = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
            _token = _cts.Token;
            // Racing: the chain waits on several attempts at once, so their completions must not run its code inline.
            _committed = new TaskCompletionSource<bool>(raced ? TaskCreationOptions.RunContinuationsAsynchronously : TaskCreationOptions.None);
        }
        else
        {
            _token = callerToken;
        }

        _updates = streaming
            ? Channel.CreateUnbounded<ChatResponseUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = !raced })
            : null;
        _started = time.GetTimestamp();
    }

    public FallbackBackend Backend => _backend;

    public string Name => _backend.Name;

    public bool IsCommitted => _isCommitted;

    /// <summary>Completes with <see langword="true"/> at the first content, <see langword="false"/> if the attempt fails before it (streaming or racing attempts only).</summary>
    public Task<bool> Committed => _committed!.Task;

    /// <summary>Completes when the attempt has finished (it never faults; see <see cref="Error"/>).</summary>
    public Task Run => _run;

    public ChannelReader<ChatResponseUpdate> Updates => _updates!.Reader;

    public ChatResponse? Response { get; private set; }

    public Exception? Error { get; private set; }

    public TimeSpan? TimeToFirstToken { get; private set; }

    public int Tries => Volatile.Read(ref _tries);

    /// <summary>The failure of the last request sent (differs from <see cref="Error"/> when the breaker opened between retries).</summary>
    public Exception? LastTryError { get; private set; }

    /// <summary>Whether this attempt was stopped by the chain (hedge lost, caller went away) rather than failing.</summary>
    public bool WasCancelled { get; private set; }

    public TimeSpan Elapsed => _time.GetElapsedTime(_started, Interlocked.Read(ref _ended) is var end and not 0 ? end : _time.GetTimestamp());

    // model: the model the route asks this backend for; null = its configured one (or the caller's, when forwarded).
    // raced: hedging is on, so the attempt starts on the thread pool beside the hedge timer; otherwise it runs inline.
    // planned.IsBreakerTrial: a deferred backend whose circuit is open, tried once past the breaker (a success closes it).
    public static BackendAttempt Start(PlannedAttempt planned, IReadOnlyList<ChatMessage> messages, ChatOptions? options, bool streaming, bool raced,
        bool forwardModelId, (string? Model, string? SubstitutedFor) model, TimeProvider time, ILogger logger, CancellationToken callerToken)
    {
        var attempt = new BackendAttempt(planned.Backend, messages, options, streaming, raced, forwardModelId, model.Model, time, logger, callerToken)
        {
            _isBreakerTrial = planned.IsBreakerTrial,
            SubstitutedFor = model.SubstitutedFor,
        };
        attempt._run = attempt.RunAsync(offThread: raced);
        return attempt;
    }

    /// <summary>Stops the attempt (hedge lost, or the caller stopped reading).</summary>
    public void Cancel()
    {
        WasCancelled = true;
        try
        {
            _cts?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>The model that was wanted when this attempt asks for a substitute the backend has.</summary>
    public string? SubstitutedFor { get; init; }

    public FallbackAttempt ToRecord(FallbackAttemptOutcome outcome, string? error = null, string? skipReason = null) => new()
    {
        Backend = Name,
        Model = _model,
        SubstitutedFor = SubstitutedFor,
        Outcome = outcome,
        Duration = Elapsed,
        TimeToFirstToken = TimeToFirstToken,
        Error = error,
        SkipReason = skipReason,
        Tries = Tries,
    };

    public async ValueTask DisposeAsync()
    {
        if (!_run.IsCompleted)
        {
            Cancel();
            await _run.ConfigureAwait(false);
        }

        _cts?.Dispose();
    }

    private async Task RunAsync(bool offThread)
    {
        if (offThread)
        {
            await Task.Yield();
        }

        using var activity = FallbackTelemetry.ActivitySource.StartActivity("fallback.attempt");
        activity?.SetTag("agenthost.backend", Name);
        var context = ResilienceContextPool.Shared.Get(_token);
        context.Properties.Set(BackendResiliencePipeline.AttemptKey, this);
        Outcome<bool> outcome;
        try
        {
            // Failures travel as outcomes: the backend's exception is caught once, here, and never rethrown through Polly.
            var pipeline = _isBreakerTrial ? _backend.TrialPipeline : _backend.Pipeline;
            outcome = await pipeline.ExecuteOutcomeAsync(static (ctx, self) => self.TryOnceAsync(ctx.CancellationToken), context, this).ConfigureAwait(false);
            if (_isBreakerTrial && outcome.Exception is null)
            {
                await _backend.Breaker.TrialSucceededAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            outcome = Outcome.FromException<bool>(ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        Interlocked.Exchange(ref _ended, _time.GetTimestamp());
        if (outcome.Exception is { } error)
        {
            Error = error;
            _updates?.Writer.TryComplete(error);
            if (activity is not null)
            {
                activity.SetTag("agenthost.outcome", WasCancelled ? "cancelled" : "failed");
                activity.SetStatus(ActivityStatusCode.Error, FallbackErrorClassifier.Describe(error));
            }

            _committed?.TrySetResult(false);
        }
        else
        {
            _updates?.Writer.TryComplete();
            activity?.SetTag("agenthost.outcome", "succeeded");
        }
    }

    private async ValueTask<Outcome<bool>> TryOnceAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _tries) == 1 && _logger.IsEnabled(LogLevel.Information))
        {
            _logger.Generating(Name, _backend.Descriptor.DisplayName, _backend.WhereForLog);
        }

        try
        {
            if (_updates is not null)
            {
                await StreamOnceAsync(cancellationToken).ConfigureAwait(false);
                return Outcome.FromResult(true);
            }

            // Awaited without rethrowing: a backend's failure is read off its task, not thrown again here.
            var reply = _backend.Client.GetResponseAsync(_messages, PrepareOptions(), cancellationToken);
            await ((Task)reply).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (reply.IsFaulted && reply.Exception.InnerExceptions is [var failure])
            {
                LastTryError = failure;
                return Outcome.FromException<bool>(failure);
            }

            var response = reply.GetAwaiter().GetResult();
            if (!HasContent(response))
            {
                throw new BackendResponseException(Name, BackendResponseProblem.Empty, "the reply held no answer");
            }

            TimeToFirstToken = Elapsed;
            Response = response;
            Commit();
            return Outcome.FromResult(true);
        }
        catch (Exception ex)
        {
            LastTryError = ex;
            return Outcome.FromException<bool>(ex);
        }
    }

    private static bool HasContent(ChatResponse response)
    {
        foreach (var message in response.Messages)
        {
            if (HasContent(message.Contents))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasContent(IList<AIContent> contents)
    {
        for (var i = 0; i < contents.Count; i++)
        {
            if (IsContent(contents[i]))
            {
                return true;
            }
        }

        return false;
    }

    private async Task StreamOnceAsync(CancellationToken cancellationToken)
    {
        var firstTokenTimeout = _backend.Resilience.FirstTokenTimeout;
        var idleTimeout = StreamIdleTimeout();
        using var firstToken = firstTokenTimeout is { } t ? new CancellationTokenSource(t, _time) : null;
        // Armed at the first update and re-armed at each one: the longest silence between two updates.
        using var idle = idleTimeout is null ? null : new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        using var linked = firstToken is null && idle is null ? null
            : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, firstToken?.Token ?? default, idle?.Token ?? default);
        var token = linked?.Token ?? cancellationToken;
        List<ChatResponseUpdate>? held = null;
        var writer = _updates!.Writer;
        try
        {
            await foreach (var update in _backend.Client.GetStreamingResponseAsync(_messages, PrepareOptions(), token).WithCancellation(token).ConfigureAwait(false))
            {
                idle?.CancelAfter(idleTimeout!.Value);
                if (!_isCommitted)
                {
                    if (!HasContent(update.Contents))
                    {
                        (held ??= []).Add(update);
                        continue;
                    }

                    firstToken?.CancelAfter(Timeout.InfiniteTimeSpan);
                    TimeToFirstToken = Elapsed;
                    foreach (var h in held ?? [])
                    {
                        writer.TryWrite(h);
                    }

                    writer.TryWrite(update);
                    Commit();
                    continue;
                }

                writer.TryWrite(update);
            }
        }
        // Which timeout this is, is read from the timers' own sources, not from Polly's attempt token: when the process is
        // busy, the cancellation can surface after the (longer) attempt timeout has fired too, and the shorter deadline,
        // which came first, must still be the one reported. Only the caller's own cancellation (_token) is no timeout.
        catch (OperationCanceledException) when (idle is { IsCancellationRequested: true } && !_token.IsCancellationRequested)
        {
            throw new TimeoutException($"the stream stalled: nothing for {FallbackErrorClassifier.Format(idleTimeout!.Value)}");
        }
        catch (OperationCanceledException) when (firstToken is { IsCancellationRequested: true } && !_token.IsCancellationRequested && !_isCommitted
            && (!cancellationToken.IsCancellationRequested || !(firstTokenTimeout > _backend.Resilience.AttemptTimeout)))
        {
            throw new TimeoutException($"no first token within {FallbackErrorClassifier.Format(firstTokenTimeout!.Value)}");
        }

        if (!_isCommitted)
        {
            throw new BackendResponseException(Name, BackendResponseProblem.Empty, "the stream ended without an answer");
        }
    }

    /// <summary>The stream idle timeout in force: the chain's setting, else the backend's declared longest gap, else the default; null when off.</summary>
    private TimeSpan? StreamIdleTimeout()
    {
        var timeout = _backend.Resilience.StreamIdleTimeout ?? _backend.Options.Capabilities.LongestStreamGap ?? BackendResilienceOptions.DefaultStreamIdleTimeout;
        return timeout > TimeSpan.Zero ? timeout : null;
    }

    private void Commit()
    {
        _isCommitted = true;
        _committed?.TrySetResult(true);
    }

    private ChatOptions? PrepareOptions()
    {
        if (_options is null)
        {
            return _model is null ? null : new ChatOptions { ModelId = _model };
        }

        var options = _options.Clone();
        options.ModelId = _model ?? (_forwardModelId ? options.ModelId : null);
        if (options.AdditionalProperties is { } properties
            && (properties.ContainsKey(FallbackRouter.DecisionKey) || properties.ContainsKey(FallbackRouter.RouteKey) || properties.ContainsKey(FallbackRouter.ModelKey)))
        {
            // The route is the chain's business; backends never see it.
            options.AdditionalProperties = new(properties);
            options.AdditionalProperties.Remove(FallbackRouter.DecisionKey);
            options.AdditionalProperties.Remove(FallbackRouter.RouteKey);
            options.AdditionalProperties.Remove(FallbackRouter.ModelKey);
        }

        return options;
    }

    /// <summary>Whether an item is part of the answer: text, reasoning, a tool call, data. Usage and empty text are not.</summary>
    public static bool IsContent(AIContent content) => content switch
    {
        TextContent text => !string.IsNullOrEmpty(text.Text),
        TextReasoningContent reasoning => !string.IsNullOrEmpty(reasoning.Text),
        UsageContent or ErrorContent => false,
        _ => true,
    };
}
