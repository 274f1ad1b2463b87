using System.Globalization;
using AgentHost.Backends;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OllamaSharp;

namespace AgentHost.Connectors.Ollama;

/// <summary>
/// Probes Ollama: <c>GET /</c> must answer 200 <c>Ollama is running</c> within
/// <see cref="OllamaBackendOptions.HealthTimeout"/>. Healthy results carry the loaded models (<c>GET /api/ps</c>)
/// under <c>loaded_models</c> when that answers in the same time; a refused connection, another status, other
/// text or no answer in time is unhealthy, with the reason.
/// </summary>
public sealed class OllamaHealthCheck : IHealthCheck
{
    private const string RunningText = "Ollama is running";
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly string _backend;
    private readonly OllamaBackendOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the probe for the backend registered as <paramref name="backendName"/>.</summary>
    public OllamaHealthCheck(IHttpClientFactory httpClientFactory, string backendName, OllamaBackendOptions options, ILogger<OllamaHealthCheck>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentException.ThrowIfNullOrWhiteSpace(backendName);
        ArgumentNullException.ThrowIfNull(options);
        _httpClientFactory = httpClientFactory;
        _backend = backendName;
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = await ProbeAsync(cancellationToken).ConfigureAwait(false);
        OllamaLog.Health(_logger, _backend, result.Status.ToString(), result.Description ?? string.Empty);
        return result;
    }

    private async Task<HealthCheckResult> ProbeAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return HealthCheckResult.Unhealthy("disabled by configuration");
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(_options.HealthTimeout);
        var http = _httpClientFactory.CreateClient(BackendServiceCollectionExtensions.HttpClientName(_backend));
        try
        {
            using var response = await http.GetAsync(http.BaseAddress, budget.Token).ConfigureAwait(false);
            var text = (await response.Content.ReadAsStringAsync(budget.Token).ConfigureAwait(false)).Trim();
            if (!text.StartsWith(RunningText, StringComparison.Ordinal))
            {
                return HealthCheckResult.Unhealthy($"GET / answered 200 but not \"{RunningText}\": \"{Excerpt(text)}\"");
            }

            var data = await LoadedModelsAsync(http, budget.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy(RunningText, data);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"no answer from {_options.Endpoint} within {_options.HealthTimeout.TotalSeconds:0.###} s"));
        }
        catch (BackendHttpOperationException ex)
        {
            return HealthCheckResult.Unhealthy($"GET / answered {(int)(ex.StatusCode ?? 0)}{(ex.ServerError is { } e ? ": " + e : string.Empty)}", ex);
        }
        catch (HttpRequestException ex)
        {
            return HealthCheckResult.Unhealthy($"cannot reach {_options.Endpoint}: {ex.Message}", ex);
        }
    }

    private async Task<IReadOnlyDictionary<string, object>> LoadedModelsAsync(HttpClient http, CancellationToken cancellationToken)
    {
        try
        {
            var running = await new OllamaApiClient(http, _options.Model ?? string.Empty).ListRunningModelsAsync(cancellationToken).ConfigureAwait(false);
            return new Dictionary<string, object> { ["loaded_models"] = running.Select(m => m.Name).ToArray() };
        }
        catch (Exception ex) when (ex is HttpRequestException or BackendHttpOperationException or System.Text.Json.JsonException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            OllamaLog.LoadedModelsUnavailable(_logger, _backend, ex.Message);
            return new Dictionary<string, object>();
        }
    }

    private static string Excerpt(string text) => text.Length <= 120 ? text : text[..120] + "…";
}
