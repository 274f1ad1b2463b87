using AgentHost.Fallback;
using AgentHost.Fallback.Core;
using AgentHost.Fallback.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Microsoft.Extensions.AI;

/// <summary>Adds <see cref="BackendResilienceChatClient"/> to a backend's chat client pipeline.</summary>
public static class ChatClientBuilderBackendResilienceExtensions
{
    /// <summary>
    /// Runs every call of the client through its backend's resilience: retry, circuit breaker and attempt timeout on
    /// Polly v8, a stream's first-token and idle timeouts (see <see cref="BackendResilienceOptions"/>; unset values take
    /// the built-in defaults). The fallback chain puts this step above each backend's client itself.
    /// </summary>
    /// <param name="builder">The backend's pipeline.</param>
    /// <param name="backendName">The backend's name, for logs, metrics and errors.</param>
    /// <param name="options">The backend's resilience settings; null: the built-in defaults.</param>
    /// <param name="timeProvider">The clock of the timeouts, delays and breaker; null: the system's.</param>
    /// <param name="loggerFactory">Where retries and breaker changes are logged; null: the builder's services' factory, else nowhere.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static ChatClientBuilder UseBackendResilience(this ChatClientBuilder builder, string backendName, BackendResilienceOptions? options = null,
        TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(backendName);
        var settings = BackendResilienceSettings.Resolve(options ?? new BackendResilienceOptions(), null);
        return builder.Use((inner, services) =>
        {
            var logger = (loggerFactory ?? services.GetService(typeof(ILoggerFactory)) as ILoggerFactory)?.CreateLogger<BackendResilienceChatClient>()
                ?? (ILogger)NullLogger.Instance;
            var time = timeProvider ?? services.GetService(typeof(TimeProvider)) as TimeProvider ?? TimeProvider.System;
            var meters = services.GetService(typeof(System.Diagnostics.Metrics.IMeterFactory)) as System.Diagnostics.Metrics.IMeterFactory;
            return new BackendResilienceChatClient(inner, new BackendResilience(backendName, settings, time, logger, FallbackTelemetry.For(meters)));
        });
    }

    /// <summary>The chain's own step: the backend's resilience built once, shared by its calls and read by the planner.</summary>
    internal static ChatClientBuilder UseBackendResilience(this ChatClientBuilder builder, BackendResilience resilience) =>
        builder.Use(inner => new BackendResilienceChatClient(inner, resilience));
}
