using System.Diagnostics;
using System.Threading.Channels;
using AgentHost.Backends;
using AgentHost.Fallback.Resilience;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Polly;

namespace AgentHost.Fallback.Core;

/// <summary>
/// One backend serving one model call, running in the background through the backend's resilience pipeline.
/// <see cref="Committed"/> completes at the first content (streaming) or with the whole answer (non-streaming), and
/// faults when the attempt fails before that. Streamed updates are passed through <see cref="Updates"/>; updates that
/// carry no content are held back until the first content, so nothing of a failed attempt reaches the caller.
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
    private readonly CancellationTokenSource _cts;
    private readonly TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<ChatResponseUpdate>? _updates;
    private readonly long _started;
    private long _ended;
    private int _tries;
    private volatile bool _isCommitted;
    private Task _run = Task.CompletedTask;

    private BackendAttempt(FallbackBackend backend, IReadOnlyList<ChatMessage> messages, ChatOptions? options, bool streaming, bool forwardModelId,
        string? model, TimeProvider time, ILogger logger, CancellationToken callerToken)
    {
        _model = model;
        _backend = backend;
        _messages = messages;
        _options = options;
        _forwardModelId = forwardModelId;
        _time = time;
        _logger = logger;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
        _updates = streaming ? Channel.CreateUnbounded<ChatResponseUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true }) : null;
        _started = time.GetTimestamp();
    }

    public FallbackBackend Backend => _backend;

    public string Name => _backend.Name;

    public bool IsCommitted => _isCommitted;

    /// <summary>Completes at the first content; faults if the attempt fails before it.</summary>
    public Task Committed => _committed.Task;

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
    public static BackendAttempt Start(FallbackBackend backend, IReadOnlyList<ChatMessage> messages, ChatOptions? options, bool streaming,
        bool forwardModelId, string? model, TimeProvider time, ILogger logger, CancellationToken callerToken)
    {
        var attempt = new BackendAttempt(backend, messages, options, streaming, forwardModelId, model, time, logger, callerToken);
        attempt._run = attempt.RunAsync();
        return attempt;
    }

    /// <summary>Stops the attempt (hedge lost, or the caller stopped reading).</summary>
    public void Cancel()
    {
        WasCancelled = true;
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public FallbackAttempt ToRecord(FallbackAttemptOutcome outcome, string? error = null, string? skipReason = null) => new()
    {
        Backend = Name,
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

        _cts.Dispose();
    }

    private async Task RunAsync()
    {
        await Task.Yield();
        using var activity = FallbackTelemetry.ActivitySource.StartActivity("fallback.attempt");
        activity?.SetTag("agenthost.backend", Name);
        var context = ResilienceContextPool.Shared.Get(_cts.Token);
        context.Properties.Set(BackendResiliencePipeline.AttemptKey, this);
        try
        {
            await _backend.Pipeline.ExecuteAsync(static (ctx, self) => self.TryOnceAsync(ctx.CancellationToken), context, this).ConfigureAwait(false);
            Interlocked.Exchange(ref _ended, _time.GetTimestamp());
            _updates?.Writer.TryComplete();
            activity?.SetTag("agenthost.outcome", "succeeded");
        }
        catch (Exception ex)
        {
            Interlocked.Exchange(ref _ended, _time.GetTimestamp());
            Error = ex;
            _committed.TrySetException(ex);
            _updates?.Writer.TryComplete(ex);
            activity?.SetTag("agenthost.outcome", WasCancelled ? "cancelled" : "failed");
            activity?.SetStatus(ActivityStatusCode.Error, FallbackErrorClassifier.Describe(ex));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask TryOnceAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _tries) == 1)
        {
            _logger.Generating(Name, _backend.Descriptor.DisplayName, _backend.WhereForLog);
        }

        try
        {
            await TryOnceCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LastTryError = ex;
            throw;
        }
    }

    private async ValueTask TryOnceCoreAsync(CancellationToken cancellationToken)
    {
        if (_updates is null)
        {
            var response = await _backend.Client.GetResponseAsync(_messages, PrepareOptions(), cancellationToken).ConfigureAwait(false);
            if (!response.Messages.Any(m => m.Contents.Any(IsContent)))
            {
                throw new BackendResponseException(Name, BackendResponseProblem.Empty, "the reply held no answer");
            }

            TimeToFirstToken = Elapsed;
            Response = response;
            Commit();
            return;
        }

        await StreamOnceAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task StreamOnceAsync(CancellationToken cancellationToken)
    {
        var firstTokenTimeout = _backend.Resilience.FirstTokenTimeout;
        using var firstToken = firstTokenTimeout is { } t ? new CancellationTokenSource(t, _time) : null;
        using var linked = firstToken is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, firstToken.Token);
        var token = linked?.Token ?? cancellationToken;
        List<ChatResponseUpdate>? held = null;
        var writer = _updates!.Writer;
        try
        {
            await foreach (var update in _backend.Client.GetStreamingResponseAsync(_messages, PrepareOptions(), token).WithCancellation(token).ConfigureAwait(false))
            {
                if (!_isCommitted)
                {
                    if (!update.Contents.Any(IsContent))
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
        catch (OperationCanceledException) when (firstToken is { IsCancellationRequested: true } && !cancellationToken.IsCancellationRequested && !_isCommitted)
        {
            throw new TimeoutException($"no first token within {FallbackErrorClassifier.Format(firstTokenTimeout!.Value)}");
        }

        if (!_isCommitted)
        {
            throw new BackendResponseException(Name, BackendResponseProblem.Empty, "the stream ended without an answer");
        }
    }

    private void Commit()
    {
        _isCommitted = true;
        _committed.TrySetResult();
    }

    private ChatOptions? PrepareOptions()
    {
        if (_options is null)
        {
            return _model is null ? null : new ChatOptions { ModelId = _model };
        }

        var options = _options.Clone();
        options.ModelId = _model ?? (_forwardModelId ? options.ModelId : null);
        if (options.AdditionalProperties is { } properties && (properties.ContainsKey(FallbackRouter.RouteKey) || properties.ContainsKey(FallbackRouter.ModelKey)))
        {
            // The route is the chain's business; backends never see it.
            options.AdditionalProperties = new(properties);
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
