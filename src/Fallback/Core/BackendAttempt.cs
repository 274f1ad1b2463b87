using System.Diagnostics;
using System.Threading.Channels;
using AgentHost.Fallback.Resilience;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AgentHost.Fallback.Core;

/// <summary>
/// One backend serving one model call of the chain: a <see cref="BackendCall"/> through the backend's resilience, with
/// what the chain needs around it. Without hedging an attempt runs inline on the caller's thread until the backend
/// first awaits (no thread-pool hop) and the chain awaits <see cref="Run"/> or <see cref="Committed"/> directly; when
/// racing (hedging) it starts on the thread pool. <see cref="Committed"/> (streaming or racing only) completes with
/// <see langword="true"/> at the first content (streaming) or with the whole answer (non-streaming), and with
/// <see langword="false"/> when the attempt fails before that (the failure is in <see cref="Error"/>; no faulted task is
/// left unobserved). Streamed updates are passed through <see cref="Updates"/>.
/// </summary>
internal sealed class BackendAttempt : BackendCall, IAsyncDisposable
{
    private readonly FallbackBackend _backend;
    private readonly string? _model;
    private readonly CancellationTokenSource? _cts;
    private readonly TaskCompletionSource<bool>? _committed;
    private Task _run = Task.CompletedTask;

    private BackendAttempt(FallbackBackend backend, BackendResilienceChatClient client, IReadOnlyList<ChatMessage> messages, ChatOptions? options,
        Channel<ChatResponseUpdate>? updates, bool raced, string? model, CancellationToken callerToken)
        : base(client.Inner, client.Resilience, messages, options, updates)
    {
        _backend = backend;
        _model = model;
        // A token of its own only when the chain may have to stop the attempt while it runs: a hedge that lost, or a
        // caller who stops reading a stream. An inline non-streaming attempt ends before the chain moves on.
        if (updates is not null || raced)
        {
            _cts = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
            // Racing: the chain waits on several attempts at once, so their completions must not run its code inline.
            _committed = new TaskCompletionSource<bool>(raced ? TaskCreationOptions.RunContinuationsAsynchronously : TaskCreationOptions.None);
        }
    }

    public FallbackBackend Backend => _backend;

    public string Name => _backend.Name;

    /// <summary>Completes with <see langword="true"/> at the first content, <see langword="false"/> if the attempt fails before it (streaming or racing attempts only).</summary>
    public Task<bool> Committed => _committed!.Task;

    /// <summary>Completes when the attempt has finished (it never faults; see <see cref="Error"/>).</summary>
    public Task Run => _run;

    public new ChannelReader<ChatResponseUpdate> Updates => base.Updates!.Reader;

    public Exception? Error { get; private set; }

    /// <summary>Whether this attempt was stopped by the chain (hedge lost, caller went away) rather than failing.</summary>
    public bool WasCancelled { get; private set; }

    /// <summary>The model that was wanted when this attempt asks for a substitute the backend has.</summary>
    public string? SubstitutedFor { get; private init; }

    protected override TimeSpan? LongestStreamGap => _backend.Options.Capabilities.LongestStreamGap;

    // model: the model the route asks this backend for; null = its configured one (or the caller's, when forwarded).
    // raced: hedging is on, so the attempt starts on the thread pool beside the hedge timer; otherwise it runs inline.
    // planned.IsBreakerTrial: a deferred backend whose circuit is open, tried once past the breaker (a success closes it).
    public static BackendAttempt Start(PlannedAttempt planned, IReadOnlyList<ChatMessage> messages, ChatOptions? options, bool streaming, bool raced,
        bool forwardModelId, (string? Model, string? SubstitutedFor) model, CancellationToken callerToken)
    {
        var updates = streaming
            ? Channel.CreateUnbounded<ChatResponseUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = !raced })
            : null;
        var backend = planned.Backend;
        var attempt = new BackendAttempt(backend, backend.Client, messages, BackendOptionsFor(options, model.Model, forwardModelId), updates, raced, model.Model, callerToken)
        {
            SubstitutedFor = model.SubstitutedFor,
        };
        attempt._run = attempt.RunAsync(planned.IsBreakerTrial, offThread: raced, attempt._cts?.Token ?? callerToken);
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

    protected override void OnTry(int tries)
    {
        if (tries == 1 && Resilience.Logger.IsEnabled(LogLevel.Debug))
        {
            Resilience.Logger.Generating(Name, _backend.Descriptor.DisplayName, _backend.WhereForLog);
        }
    }

    protected override void OnCommitted() => _committed?.TrySetResult(true);

    private async Task RunAsync(bool breakerTrial, bool offThread, CancellationToken token)
    {
        if (offThread)
        {
            await Task.Yield();
        }

        using var activity = FallbackTelemetry.ActivitySource.StartActivity("fallback.attempt");
        activity?.SetTag("agenthost.backend", Name);
        var outcome = await ExecuteAsync(breakerTrial, token).ConfigureAwait(false);
        if (outcome.Exception is { } error)
        {
            Error = error;
            if (activity is not null)
            {
                activity.SetTag("agenthost.outcome", WasCancelled ? "cancelled" : "failed");
                activity.SetStatus(ActivityStatusCode.Error, FallbackErrorClassifier.Describe(error));
            }

            _committed?.TrySetResult(false);
        }
        else
        {
            activity?.SetTag("agenthost.outcome", "succeeded");
        }
    }

    /// <summary>The options the backend is sent: the caller's with the model this attempt asks for; the chain's own keys removed.</summary>
    private static ChatOptions? BackendOptionsFor(ChatOptions? callerOptions, string? model, bool forwardModelId)
    {
        if (callerOptions is null)
        {
            return model is null ? null : new ChatOptions { ModelId = model };
        }

        var options = callerOptions.Clone();
        options.ModelId = model ?? (forwardModelId ? options.ModelId : null);
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
}
