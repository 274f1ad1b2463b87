using System.Threading.Channels;
using AgentHost.Backends;
using AgentHost.Fallback.Core;
using Microsoft.Extensions.AI;
using Polly;
using Polly.CircuitBreaker;

namespace AgentHost.Fallback.Resilience;

/// <summary>
/// One call to one backend under its resilience: the tries the Polly pipeline makes, each a request to the backend's
/// client, a stream within its first-token and idle timeouts. The call commits at its first content (a whole reply, or
/// a stream's first update with content): from then on it is never retried. A stream's updates go to the writer given;
/// those that carry no content are held back until the first content, so nothing of a failed try is passed on.
/// </summary>
internal class BackendCall
{
    private readonly IChatClient _client;
    private readonly BackendResilience _resilience;
    private readonly IReadOnlyList<ChatMessage> _messages;
    private readonly Channel<ChatResponseUpdate>? _updates;
    private readonly long _started;
    private long _ended;
    private int _tries;
    private long _firstToken;
    private volatile bool _isCommitted;
    private CancellationToken _callerToken;

    public BackendCall(IChatClient client, BackendResilience resilience, IReadOnlyList<ChatMessage> messages, ChatOptions? options, Channel<ChatResponseUpdate>? updates)
    {
        _client = client;
        _resilience = resilience;
        _messages = messages;
        Options = options;
        _updates = updates;
        _started = resilience.Time.GetTimestamp();
    }

    /// <summary>The options each try sends (the chain's attempt sets them before it starts).</summary>
    protected ChatOptions? Options { get; }

    protected BackendResilience Resilience => _resilience;

    public bool IsCommitted => _isCommitted;

    public ChatResponse? Response { get; private set; }

    public TimeSpan? TimeToFirstToken => Volatile.Read(ref _firstToken) is var ticks and not 0 ? TimeSpan.FromTicks(ticks) : null;

    /// <summary>Where a streamed call's updates go (null when not streaming).</summary>
    protected Channel<ChatResponseUpdate>? Updates => _updates;

    public int Tries => Volatile.Read(ref _tries);

    /// <summary>The failure of the last request sent (differs from the outcome's when the breaker opened between retries).</summary>
    public Exception? LastTryError { get; private set; }

    public TimeSpan Elapsed => _resilience.Time.GetElapsedTime(_started, Interlocked.Read(ref _ended) is var end and not 0 ? end : _resilience.Time.GetTimestamp());

    /// <summary>
    /// Runs the call through the pipeline (<paramref name="breakerTrial"/>: the trial pipeline, past an open breaker, whose
    /// success closes it). Never throws: the failure is the outcome's exception, caught once and never rethrown through Polly.
    /// </summary>
    public async ValueTask<Outcome<bool>> ExecuteAsync(bool breakerTrial, CancellationToken cancellationToken)
    {
        // The token Polly hands a try links this one with the attempt timeout: only this one is the caller's.
        _callerToken = cancellationToken;
        var breaker = _resilience.Breaker;
        var fleetTrial = false;
        if (!breakerTrial && breaker.Shared is { } shared && shared.IsTrialDue(breaker))
        {
            // Shared circuit past its break: the fleet sends one trial. Not claimed: refused as by an open circuit (no request).
            if (!await shared.TryClaimTrialAsync(cancellationToken).ConfigureAwait(false))
            {
                return End(Outcome.FromException<bool>(new BrokenCircuitException($"{_resilience.Name}: {shared.DescribeOpen()}")));
            }

            // Polly's own circuit is closed here (only the fleet's is open): the trial goes past it, its outcome told to the fleet.
            fleetTrial = SharedCircuit.TrialBypassesBreaker(breaker);
            breakerTrial = fleetTrial;
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(BackendResiliencePipeline.CallKey, this);
        Outcome<bool> outcome;
        try
        {
            var pipeline = breakerTrial ? _resilience.TrialPipeline : _resilience.Pipeline;
            outcome = await pipeline.ExecuteOutcomeAsync(static (ctx, self) => self.TryOnceAsync(ctx.CancellationToken), context, this).ConfigureAwait(false);
            if (breakerTrial && outcome.Exception is null)
            {
                await breaker.TrialSucceededAsync().ConfigureAwait(false);
            }
            else if (fleetTrial && outcome.Exception is { } failure)
            {
                await FleetTrialFailedAsync(breaker.Shared!, failure, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // Polly's own failures (a strategy's callback throwing): the call fails with it, as with the backend's.
            outcome = Outcome.FromException<bool>(ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        return End(outcome);
    }

    private Outcome<bool> End(Outcome<bool> outcome)
    {
        Interlocked.Exchange(ref _ended, _resilience.Time.GetTimestamp());
        _updates?.Writer.TryComplete(outcome.Exception);
        return outcome;
    }

    /// <summary>A fleet trial's failure: the backend's own re-opens the circuit everywhere; any other (the caller's cancellation) lets the claim lapse.</summary>
    private static ValueTask FleetTrialFailedAsync(SharedCircuit shared, Exception failure, CancellationToken cancellationToken)
    {
        if (failure is OperationCanceledException && cancellationToken.IsCancellationRequested
            || FallbackErrorClassifier.Classify(failure, cancellationToken) != FallbackErrorClass.Transient)
        {
            shared.TrialAbandoned();
            return default;
        }

        return shared.TrialFailedAsync(FallbackErrorClassifier.IsTimeout(failure, cancellationToken));
    }

    /// <summary>Called as each try starts (1 for the first).</summary>
    protected virtual void OnTry(int tries)
    {
    }

    /// <summary>Called once, at the first content.</summary>
    protected virtual void OnCommitted()
    {
    }

    /// <summary>The longest gap the backend declares between two streamed updates (the idle timeout when none is configured).</summary>
    protected virtual TimeSpan? LongestStreamGap => null;

    private async ValueTask<Outcome<bool>> TryOnceAsync(CancellationToken cancellationToken)
    {
        OnTry(Interlocked.Increment(ref _tries));
        try
        {
            if (_updates is not null)
            {
                await StreamOnceAsync(cancellationToken).ConfigureAwait(false);
                return Outcome.FromResult(true);
            }

            // Awaited without rethrowing: a backend's failure is read off its task, not thrown again here.
            var reply = _client.GetResponseAsync(_messages, Options, cancellationToken);
            await ((Task)reply).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (reply.IsFaulted && reply.Exception.InnerExceptions is [var failure])
            {
                LastTryError = failure;
                return Outcome.FromException<bool>(failure);
            }

            var response = reply.GetAwaiter().GetResult();
            if (!AnswerContent.In(response))
            {
                throw new BackendResponseException(_resilience.Name, BackendResponseProblem.Empty, "the reply held no answer");
            }

            FirstToken();
            Response = response;
            Commit();
            return Outcome.FromResult(true);
        }
        catch (Exception ex)
        {
            // Whatever the backend's client throws (or a cancelled task) is this try's failure, for the pipeline to judge.
            LastTryError = ex;
            return Outcome.FromException<bool>(ex);
        }
    }

    private async Task StreamOnceAsync(CancellationToken cancellationToken)
    {
        var settings = _resilience.Settings;
        var firstTokenTimeout = settings.FirstTokenTimeout;
        var idleTimeout = StreamIdleTimeout();
        var time = _resilience.Time;
        using var firstToken = firstTokenTimeout is { } t ? new CancellationTokenSource(t, time) : null;
        // Armed at the first update and re-armed at each one: the longest silence between two updates.
        using var idle = idleTimeout is null ? null : new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var linked = firstToken is null && idle is null ? null
            : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, firstToken?.Token ?? default, idle?.Token ?? default);
        var token = linked?.Token ?? cancellationToken;
        List<ChatResponseUpdate>? held = null;
        var writer = _updates!.Writer;
        try
        {
            await foreach (var update in _client.GetStreamingResponseAsync(_messages, Options, token).WithCancellation(token).ConfigureAwait(false))
            {
                idle?.CancelAfter(idleTimeout!.Value);
                if (!_isCommitted)
                {
                    if (!AnswerContent.In(update.Contents))
                    {
                        (held ??= []).Add(update);
                        continue;
                    }

                    firstToken?.CancelAfter(Timeout.InfiniteTimeSpan);
                    FirstToken();
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
        // which came first, must still be the one reported. Only the caller's own cancellation is no timeout.
        catch (OperationCanceledException) when (idle is { IsCancellationRequested: true } && !_callerToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the stream stalled: nothing for {FallbackErrorClassifier.Format(idleTimeout!.Value)}");
        }
        catch (OperationCanceledException) when (firstToken is { IsCancellationRequested: true } && !_callerToken.IsCancellationRequested && !_isCommitted
            && (!cancellationToken.IsCancellationRequested || !(firstTokenTimeout > settings.AttemptTimeout)))
        {
            throw new TimeoutException($"no first token within {FallbackErrorClassifier.Format(firstTokenTimeout!.Value)}");
        }

        if (!_isCommitted)
        {
            throw new BackendResponseException(_resilience.Name, BackendResponseProblem.Empty, "the stream ended without an answer");
        }
    }

    /// <summary>The stream idle timeout in force: the settings', else the backend's declared longest gap, else the default; null when off.</summary>
    private TimeSpan? StreamIdleTimeout()
    {
        var timeout = _resilience.Settings.StreamIdleTimeout ?? LongestStreamGap ?? BackendResilienceOptions.DefaultStreamIdleTimeout;
        return timeout > TimeSpan.Zero ? timeout : null;
    }

    private void FirstToken() => Volatile.Write(ref _firstToken, Math.Max(1, Elapsed.Ticks));

    private void Commit()
    {
        _isCommitted = true;
        OnCommitted();
    }
}
