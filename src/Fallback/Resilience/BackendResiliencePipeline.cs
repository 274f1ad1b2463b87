using AgentHost.Fallback.Core;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace AgentHost.Fallback.Resilience;

/// <summary>
/// Builds the Polly v8 pipeline around one backend's attempts: retry (outermost, transient errors only, honouring
/// <c>Retry-After</c> up to a limit), circuit breaker (shared by every call to the backend), per-try timeout.
/// The first-token and idle timeouts live in <see cref="BackendCall"/>, since only it sees the stream's updates.
/// </summary>
internal static class BackendResiliencePipeline
{
    /// <summary>The call an execution belongs to, so the retry can tell a committed stream from one worth trying again.</summary>
    public static readonly ResiliencePropertyKey<BackendCall> CallKey = new("agenthost.fallback.call");

    public static ResiliencePipeline Create(string backend, BackendResilienceSettings settings, TimeProvider timeProvider, ILogger logger, BackendBreakerState breaker,
        FallbackTelemetry telemetry)
    {
        var builder = new ResiliencePipelineBuilder { Name = $"AgentHost.Fallback.{backend}", TimeProvider = timeProvider };
        if (settings.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = settings.MaxRetryAttempts,
                Delay = settings.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && ShouldRetry(args.Context, e, settings)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is { } e ? FallbackErrorClassifier.RetryAfterOf(e) : null),
                OnRetry = args =>
                {
                    logger.Retrying(backend, FallbackErrorClassifier.Describe(args.Outcome.Exception!), FallbackErrorClassifier.Format(args.RetryDelay));
                    return default;
                },
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = settings.BreakerFailureRatio,
            MinimumThroughput = Math.Max(2, settings.BreakerMinimumThroughput),
            SamplingDuration = settings.BreakerSamplingDuration,
            BreakDuration = settings.BreakerBreakDuration,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsBackendFailure(args.Context, e)),
            StateProvider = breaker.Provider,
            ManualControl = breaker.Control,
            OnOpened = args =>
            {
                var shared = breaker.OpenedAsync(args.BreakDuration, args.Outcome.Exception is { } e && FallbackErrorClassifier.IsTimeout(e, args.Context.CancellationToken));
                logger.CircuitOpened(backend, FallbackErrorClassifier.Format(args.BreakDuration));
                telemetry.CircuitOpened(backend);
                return shared;
            },
            OnHalfOpened = _ =>
            {
                breaker.NotOpen();
                return default;
            },
            OnClosed = _ =>
            {
                logger.CircuitClosed(backend);
                return breaker.ClosedAsync();
            },
        });

        if (settings.AttemptTimeout is { } timeout)
        {
            builder.AddTimeout(new TimeoutStrategyOptions { Timeout = timeout });
        }

        return builder.Build();
    }

    /// <summary>
    /// The pipeline of a deferred trial of a backend whose circuit is open: one request, no retry, not through the
    /// breaker (which would reject it), within the same attempt timeout.
    /// </summary>
    public static ResiliencePipeline CreateTrial(string backend, BackendResilienceSettings settings, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder { Name = $"AgentHost.Fallback.{backend}.Trial", TimeProvider = timeProvider };
        if (settings.AttemptTimeout is { } timeout)
        {
            builder.AddTimeout(new TimeoutStrategyOptions { Timeout = timeout });
        }

        return builder.Build();
    }

    /// <summary>A failure of the backend itself: not a caller's cancellation, not a hedge that lost, not a caller or context-length error.</summary>
    private static bool IsBackendFailure(ResilienceContext context, Exception exception)
    {
        if (exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            return false;
        }

        return FallbackErrorClassifier.Classify(exception, context.CancellationToken) == FallbackErrorClass.Transient;
    }

    private static bool ShouldRetry(ResilienceContext context, Exception exception, BackendResilienceSettings settings)
    {
        if (context.Properties.GetValue(CallKey, null!) is { IsCommitted: true })
        {
            return false;
        }

        if (!IsBackendFailure(context, exception) || !FallbackErrorClassifier.IsRetryable(exception))
        {
            return false;
        }

        return FallbackErrorClassifier.RetryAfterOf(exception) is not { } wait || wait <= settings.MaxRetryAfterWait;
    }
}
