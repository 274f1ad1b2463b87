using AgentHost.Fallback.Core;
using Microsoft.Extensions.Logging;
using Polly;

namespace AgentHost.Fallback.Resilience;

/// <summary>
/// One backend's resilience, shared by every call to it: the settings in force, the Polly v8 pipeline (retry, circuit
/// breaker, attempt timeout), the pipeline of a deferred trial past an open breaker, and the breaker's state as the
/// planner reads it. Built once per backend; <see cref="BackendResilienceChatClient"/> runs calls through it.
/// </summary>
internal sealed class BackendResilience
{
    /// <param name="backend">The backend's name.</param>
    /// <param name="settings">Its resilience settings.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where retries and breaker changes are logged.</param>
    /// <param name="telemetry">The chain's metrics.</param>
    /// <param name="sharing">Where the circuit is shared with other replicas; null: it is this process's own.</param>
    public BackendResilience(string backend, BackendResilienceSettings settings, TimeProvider time, ILogger logger, FallbackTelemetry telemetry,
        IBackendStateSharing? sharing = null)
    {
        Name = backend;
        Settings = settings;
        Time = time;
        Logger = logger;
        Breaker = sharing is null
            ? new BackendBreakerState(time)
            : new BackendBreakerState(time, new SharedCircuit(backend, sharing, time, settings.BreakerBreakDuration, settings.AttemptTimeout ?? settings.BreakerBreakDuration));
        Pipeline = BackendResiliencePipeline.Create(backend, settings, time, logger, Breaker, telemetry);
        TrialPipeline = BackendResiliencePipeline.CreateTrial(backend, settings, time);
    }

    public string Name { get; }

    public BackendResilienceSettings Settings { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary>Retry, breaker and attempt timeout around each call.</summary>
    public ResiliencePipeline Pipeline { get; }

    /// <summary>A deferred trial while the circuit is open: one request, no retry, not through the breaker; a success closes it.</summary>
    public ResiliencePipeline TrialPipeline { get; }

    /// <summary>The circuit's state as the planner reads it (an open circuit is deferred without entering <see cref="Pipeline"/>).</summary>
    public BackendBreakerState Breaker { get; }
}
