using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentHost.Fallback;

/// <summary>
/// Probes every backend at start and then every <see cref="FallbackHealthOptions.ProbeInterval"/>, feeding the
/// <see cref="BackendHealthMonitor"/>. Off when the interval is zero. Runs only where a host runs hosted services.
/// </summary>
public sealed class BackendHealthProber : BackgroundService
{
    private readonly BackendHealthMonitor _monitor;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;

    /// <summary>Creates the prober.</summary>
    public BackendHealthProber(BackendHealthMonitor monitor, IOptions<FallbackOptions> options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentNullException.ThrowIfNull(options);
        _monitor = monitor;
        _interval = options.Value.Health.ProbeInterval;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            do
            {
                await _monitor.ProbeAllAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
