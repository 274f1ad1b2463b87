using System.Collections.Concurrent;
using AgentHost.Backends;
using AgentHost.Fallback.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentHost.Fallback;

/// <summary>
/// Holds each backend's health (healthy / degraded / down / unknown, with the reason and time), fed by the backends'
/// keyed <see cref="IHealthCheck"/>s: by the background prober, or on demand through <see cref="ProbeAllAsync"/>.
/// The chain reads it to skip down backends and to decide optional (<c>Name?</c>) entries. A request failure does not
/// change it (that feeds the circuit breaker).
/// </summary>
public sealed class BackendHealthMonitor
{
    private readonly IReadOnlyList<ChainBackend> _backends;
    private readonly FallbackHealthOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, BackendHealth> _states = new(StringComparer.OrdinalIgnoreCase);
    private readonly IBackendStateSharing? _sharing;
    private readonly IDisposable? _subscription;

    /// <summary>Creates the monitor over <paramref name="backends"/> (their health checks).</summary>
    /// <param name="backends">The backends and their health checks.</param>
    /// <param name="options">The chain's options (the probe timeout).</param>
    /// <param name="timeProvider">The clock; null: the system's.</param>
    /// <param name="logger">Where changes are logged; null: nowhere.</param>
    /// <param name="sharing">
    /// Where probe results are shared with other replicas; null (or <see cref="NullBackendStateSharing"/>): nothing is shared.
    /// A changed result is published; another replica's result replaces this one's when it is newer.
    /// </param>
    public BackendHealthMonitor(
        IEnumerable<ChainBackend> backends, IOptions<FallbackOptions> options, TimeProvider? timeProvider = null, ILogger<BackendHealthMonitor>? logger = null,
        IBackendStateSharing? sharing = null)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(options);
        _backends = [.. backends.DistinctBy(b => b.Name, StringComparer.OrdinalIgnoreCase)];
        _options = options.Value.Health;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _sharing = NullBackendStateSharing.OrNull(sharing);
        _subscription = _sharing?.Subscribe(new HealthObserver(this), [.. _backends.Select(b => b.Name)]);
    }

    /// <summary>Raised when a backend's state changes.</summary>
    public event Action<BackendHealth>? Changed;

    /// <summary>The current health of <paramref name="backend"/> (<see cref="BackendHealthState.Unknown"/> if never checked).</summary>
    public BackendHealth Get(string backend)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(backend);
        return _states.TryGetValue(backend, out var health) ? health : new BackendHealth(backend, BackendHealthState.Unknown, null, null);
    }

    /// <summary>The current health of every registered backend, in registration order.</summary>
    public IReadOnlyList<BackendHealth> Snapshot() => [.. _backends.Select(b => Get(b.Name))];

    /// <summary>Sets a backend's state directly (e.g. from a host-specific signal, or in tests).</summary>
    public void Report(string backend, BackendHealthState state, string? reason = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(backend);
        var health = new BackendHealth(backend, state, reason, _time.GetUtcNow());
        _states[backend] = health;
        _logger.HealthChanged(backend, state.ToString().ToLowerInvariant(), string.IsNullOrWhiteSpace(reason) ? string.Empty : $": {reason}");
        Changed?.Invoke(health);
    }

    /// <summary>
    /// Probes every enabled backend once, concurrently, each within <see cref="FallbackHealthOptions.ProbeTimeout"/>,
    /// and returns the new states. For one-shot use (the CLI's <c>ask</c>): no interval is waited for.
    /// </summary>
    public async Task<IReadOnlyList<BackendHealth>> ProbeAllAsync(CancellationToken cancellationToken = default)
    {
        await Task.WhenAll(_backends.Select(b => ProbeAsync(b.Name, cancellationToken))).ConfigureAwait(false);
        return Snapshot();
    }

    /// <summary>Probes one backend through its keyed <see cref="IHealthCheck"/> and records the result.</summary>
    public async Task<BackendHealth> ProbeAsync(string backend, CancellationToken cancellationToken = default)
    {
        var source = _backends.FirstOrDefault(b => string.Equals(b.Name, backend, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"'{backend}' is not a registered backend.", nameof(backend));
        var (state, reason) = await CheckAsync(source, cancellationToken).ConfigureAwait(false);
        var previous = Get(source.Name);
        var health = new BackendHealth(source.Name, state, reason, _time.GetUtcNow());
        _states[source.Name] = health;
        if (previous.State != state || previous.Reason != reason)
        {
            _logger.HealthChanged(source.Name, state.ToString().ToLowerInvariant(), string.IsNullOrWhiteSpace(reason) ? string.Empty : $": {reason}");
            Changed?.Invoke(health);
            if (_sharing is not null)
            {
                await _sharing.PublishHealthAsync(health, cancellationToken).ConfigureAwait(false);
            }
        }

        return health;
    }

    /// <summary>Stops hearing other replicas' health results (when shared).</summary>
    internal void StopSharing() => _subscription?.Dispose();

    /// <summary>Another replica's result: it replaces this one's when newer (an older one is stale news).</summary>
    private void ApplyShared(BackendHealth shared)
    {
        if (shared.CheckedAt is not { } at || !_backends.Any(b => string.Equals(b.Name, shared.Backend, StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        while (true)
        {
            var exists = _states.TryGetValue(shared.Backend, out var current);
            if (exists && current!.CheckedAt >= at)
            {
                return;
            }

            if (exists ? _states.TryUpdate(shared.Backend, shared, current!) : _states.TryAdd(shared.Backend, shared))
            {
                if (current is null || current.State != shared.State || current.Reason != shared.Reason)
                {
                    _logger.HealthChanged(shared.Backend, shared.State.ToString().ToLowerInvariant(),
                        (string.IsNullOrWhiteSpace(shared.Reason) ? string.Empty : $": {shared.Reason}") + " (as another replica found it)");
                    Changed?.Invoke(shared);
                }

                return;
            }
        }
    }

    private sealed class HealthObserver(BackendHealthMonitor monitor) : IBackendStateObserver
    {
        public void OnHealthShared(BackendHealth health) => monitor.ApplyShared(health);
    }

    private async Task<(BackendHealthState, string?)> CheckAsync(ChainBackend backend, CancellationToken cancellationToken)
    {
        try
        {
            if (!backend.GetOptions().Enabled)
            {
                return (BackendHealthState.Unknown, "disabled");
            }
        }
        catch (Exception ex)
        {
            // A binding or validation failure of the backend's options: it is down, and its health line says why.
            return (BackendHealthState.Down, $"options: {ex.Message}");
        }

        var check = backend.HealthCheck;
        if (check is null)
        {
            return (BackendHealthState.Unknown, "no health check registered");
        }

        using var timeout = new CancellationTokenSource(_options.ProbeTimeout > TimeSpan.Zero ? _options.ProbeTimeout : Timeout.InfiniteTimeSpan, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration(backend.Name, check, HealthStatus.Unhealthy, null) };
        try
        {
            var result = await check.CheckHealthAsync(context, linked.Token).WaitAsync(linked.Token).ConfigureAwait(false);
            var reason = result.Description ?? (result.Exception is { } e ? FallbackErrorClassifier.Describe(e) : null);
            return result.Status switch
            {
                HealthStatus.Healthy => (BackendHealthState.Healthy, reason),
                HealthStatus.Degraded => (BackendHealthState.Degraded, reason),
                _ => (BackendHealthState.Down, reason ?? "unhealthy"),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (BackendHealthState.Down, $"no answer within {FallbackErrorClassifier.Format(_options.ProbeTimeout)}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever the health check throws (it should return Unhealthy, some throw instead): down, saying why.
            return (BackendHealthState.Down, FallbackErrorClassifier.Describe(ex));
        }
    }
}
