using System.Text.Json;
using AgentHost.Backends;
using AgentHost.Connectors.Victoria.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentHost.Connectors.Victoria;

/// <summary>
/// Probes <c>GET /health</c>: Healthy on 200 with status <c>ok</c> (or <c>healthy</c>, as some clients rewrite it);
/// Unhealthy, with the reason, on a refused connection, a non-200, another status, or no answer within
/// <see cref="VictoriaOptions.HealthTimeout"/>.
/// </summary>
public sealed class VictoriaHealthCheck : IHealthCheck
{
    private readonly Func<HttpClient> _httpClient;
    private readonly Func<VictoriaOptions> _currentOptions;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the probe.</summary>
    /// <param name="httpClient">Returns the client to probe with (the probe goes to the options' endpoint).</param>
    /// <param name="options">The connector's options (endpoint, <see cref="VictoriaOptions.HealthTimeout"/>).</param>
    /// <param name="timeProvider">The clock for the timeout; <see cref="TimeProvider.System"/> when null.</param>
    public VictoriaHealthCheck(Func<HttpClient> httpClient, VictoriaOptions options, TimeProvider? timeProvider = null)
        : this(httpClient, () => options, timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
    }

    /// <summary>Creates the probe over options read at each check, so a reloaded endpoint or timeout is probed next time (what DI registers).</summary>
    internal VictoriaHealthCheck(Func<HttpClient> httpClient, Func<VictoriaOptions> currentOptions, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(currentOptions);
        _httpClient = httpClient;
        _currentOptions = currentOptions;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var options = _currentOptions();
        using var timeout = new CancellationTokenSource(options.HealthTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var http = _httpClient();
            using var response = await http.GetAsync(BackendEndpoint.Resolve(options.EndpointUri, "health"), linked.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            if (response.StatusCode != System.Net.HttpStatusCode.OK)
            {
                return HealthCheckResult.Unhealthy($"Victoria answered /health with {(int)response.StatusCode} {response.StatusCode}.");
            }

            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var status = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            var agent = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("agent", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            var data = new Dictionary<string, object> { ["status"] = status ?? string.Empty, ["agent"] = agent ?? string.Empty };
            return status is "ok" or "healthy"
                ? HealthCheckResult.Healthy($"Victoria ({agent}) is up.", data)
                : HealthCheckResult.Unhealthy($"Victoria reports status '{status ?? "(none)"}'.", data: data);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"Victoria did not answer /health within {options.HealthTimeout}.");
        }
        catch (HttpRequestException e)
        {
            return HealthCheckResult.Unhealthy($"Victoria is unreachable: {e.Message}", e);
        }
        catch (JsonException e)
        {
            return HealthCheckResult.Unhealthy("Victoria's /health reply is not JSON.", e);
        }
    }
}
