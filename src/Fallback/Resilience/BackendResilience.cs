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
    public BackendResilience(string backend, BackendResilienceSettings settings, TimeProvider time, ILogger logger, FallbackTelemetry telemetry)
    {
        Name = backend;
        Settings = settings;
        Time = time;
        Logger = logger;
        Breaker = new BackendBreakerState(time);
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
