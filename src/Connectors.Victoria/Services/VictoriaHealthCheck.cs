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
    private readonly VictoriaOptions _options;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the probe.</summary>
    /// <param name="httpClient">Returns the client to probe with; its <c>BaseAddress</c> is Victoria's endpoint.</param>
    /// <param name="options">The connector's options (endpoint, <see cref="VictoriaOptions.HealthTimeout"/>).</param>
    /// <param name="timeProvider">The clock for the timeout; <see cref="TimeProvider.System"/> when null.</param>
    public VictoriaHealthCheck(Func<HttpClient> httpClient, VictoriaOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _httpClient = httpClient;
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = new CancellationTokenSource(_options.HealthTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var http = _httpClient();
            var baseAddress = http.BaseAddress ?? _options.EndpointUri;
            using var response = await http.GetAsync(BackendEndpoint.Resolve(baseAddress, "health"), linked.Token).ConfigureAwait(false);
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
            return HealthCheckResult.Unhealthy($"Victoria did not answer /health within {_options.HealthTimeout}.");
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
