using System.Text.Json;
using AgentHost.Backends;
using AgentHost.Connectors.Mlx.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentHost.Connectors.Mlx;

/// <summary>
/// Probes the MLX API Server's <c>GET /health</c>: <c>healthy</c> → Healthy, <c>degraded</c> (every slot busy, requests
/// wait) → Degraded; <c>warning</c>/<c>critical</c> (memory pressure), any other status, a non-200 or no answer within
/// <see cref="MlxOptions.HealthTimeout"/> → Unhealthy. With <see cref="MlxProtocol.OpenAI"/> the probe is
/// <c>GET /v1/models</c> answering 200.
/// <see cref="HealthCheckResult.Data"/> carries what the server reported, when present: <c>status</c>,
/// <c>active_requests</c>, <c>max_concurrent</c>, <c>models_cached</c> (numbers), <c>memory.used_percent</c>,
/// <c>memory.available_gb</c>, <c>memory.total_gb</c> (numbers) and <c>cached_models</c> (model names).
/// </summary>
public sealed class MlxHealthCheck : IHealthCheck
{
    private static readonly string[] Numbers = ["active_requests", "max_concurrent", "models_cached"];
    private static readonly string[] MemoryNumbers = ["used_percent", "available_gb", "total_gb"];

    private readonly HttpClient _http;
    private readonly Func<MlxOptions> _currentOptions;
    private readonly ILogger _logger;
    private readonly string _name;

    /// <summary>Creates the check. Prefer the <c>AddMlxChatCompletion</c> extension methods, which register it.</summary>
    public MlxHealthCheck(HttpClient httpClient, MlxOptions options, ILoggerFactory? loggerFactory = null, string name = BackendNames.Mlx)
    {
        _name = name;
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _http = httpClient;
        _currentOptions = () => options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<MlxHealthCheck>();
    }

    /// <summary>Creates it over options read at each use, so a reloaded endpoint is probed next time (what DI registers).</summary>
    internal MlxHealthCheck(HttpClient httpClient, Func<MlxOptions> currentOptions, ILoggerFactory? loggerFactory, string name)
        : this(httpClient, new MlxOptions(), loggerFactory, name)
    {
        _currentOptions = currentOptions ?? throw new ArgumentNullException(nameof(currentOptions));
    }

    private MlxOptions Options => _currentOptions();

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var path = Options.Protocol == MlxProtocol.OpenAI ? "v1/models" : "health";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.HealthTimeout);
        try
        {
            using var response = await _http.GetAsync(MlxRequestBuilder.Address(Options, path), timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var error = BackendErrorText.FromBody(body);
                return Unhealthy(path, $"/{path} answered {(int)response.StatusCode}{(error is null ? "" : $": {error}")}");
            }

            return Options.Protocol == MlxProtocol.OpenAI
                ? HealthCheckResult.Healthy("/v1/models answered 200.")
                : Interpret(body);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Unhealthy(path, $"/{path} did not answer within {Options.HealthTimeout.TotalSeconds:0.###} s (the server blocks while it loads a model).");
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return Unhealthy(path, $"/{path} could not be reached: {e.Message}", e);
        }
    }

    private HealthCheckResult Interpret(string body)
    {
        Dictionary<string, object> data;
        string? status;
        try
        {
            using var doc = JsonDocument.Parse(body);
            (status, data) = ReadData(doc.RootElement);
        }
        catch (JsonException e)
        {
            return Unhealthy("health", "/health answered with a body that is not JSON.", e);
        }

        return status switch
        {
            "healthy" => HealthCheckResult.Healthy("MLX API Server is healthy.", data),
            "degraded" => HealthCheckResult.Degraded("MLX API Server is degraded: every concurrency slot is busy, requests wait for one.", data: data),
            "warning" => Unhealthy("health", $"MLX API Server reports memory pressure (warning, {Memory(data)} used).", data: data),
            "critical" => Unhealthy("health", $"MLX API Server reports critical memory pressure ({Memory(data)} used).", data: data),
            null => Unhealthy("health", "/health answered without a status.", data: data),
            _ => Unhealthy("health", $"MLX API Server reports status '{status}'.", data: data),
        };
    }

    private static (string? Status, Dictionary<string, object> Data) ReadData(JsonElement root)
    {
        var data = new Dictionary<string, object>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, data);
        }

        var status = root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        if (status is not null)
        {
            data["status"] = status;
        }

        foreach (var name in Numbers)
        {
            if (root.TryGetProperty(name, out var n) && n.ValueKind == JsonValueKind.Number)
            {
                data[name] = n.TryGetInt32(out var i) ? (object)i : n.GetDouble();
            }
        }

        if (root.TryGetProperty("memory", out var memory) && memory.ValueKind == JsonValueKind.Object)
        {
            foreach (var name in MemoryNumbers)
            {
                if (memory.TryGetProperty(name, out var n) && n.ValueKind == JsonValueKind.Number)
                {
                    data[$"memory.{name}"] = n.GetDouble();
                }
            }
        }

        if (root.TryGetProperty("cached_models", out var cached) && cached.ValueKind == JsonValueKind.Array)
        {
            data["cached_models"] = cached.EnumerateArray()
                .Select(m => m.ValueKind == JsonValueKind.String ? m.GetString() : m.ValueKind == JsonValueKind.Object && m.TryGetProperty("name", out var n) ? n.GetString() : null)
                .OfType<string>()
                .ToArray();
        }

        return (status, data);
    }

    private static string Memory(Dictionary<string, object> data) =>
        data.TryGetValue("memory.used_percent", out var used) ? FormattableString.Invariant($"{used:0.#} %") : "unknown share of memory";

    private HealthCheckResult Unhealthy(string path, string reason, Exception? exception = null, IReadOnlyDictionary<string, object>? data = null)
    {
        MlxLog.HealthFailed(_logger, _name, "/" + path, reason);
        return HealthCheckResult.Unhealthy(reason, exception, data);
    }
}
