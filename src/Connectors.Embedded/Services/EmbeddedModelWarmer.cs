using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentHost.Connectors.Embedded;

/// <summary>
/// Loads the embedded model's weights when the host starts, if <see cref="EmbeddedBackendOptions.WarmUp"/> is set, in
/// the background (start-up does not wait for it). A failed warm-up is logged; the first request tries again.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The stopping source lives as long as the host; disposing it while a warm-up may still register on its token would race with that warm-up.")]
public sealed class EmbeddedModelWarmer : IHostedService
{
    private readonly string _backend;
    private readonly EmbeddedModel _model;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();

    internal EmbeddedModelWarmer(string backend, EmbeddedModel model, ILogger logger)
    {
        _backend = backend;
        _model = model;
        _logger = logger;
    }

    /// <summary>The warm-up under way, or a completed task when none was started.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_model.Options is { Enabled: true, WarmUp: true })
        {
            Completion = WarmUpAsync(_stopping.Token);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    private async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _model.WarmUpAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Any load failure (missing or corrupt file, native library, memory): a warm-up is an optimisation, the host
            // starts anyway and the first request loads the model again, reporting the failure where it is asked for.
            EmbeddedLog.WarmUpFailed(_logger, _backend, ex.Message);
        }
    }
}
