using System.Text.Json;
using AgentHost.Backends;
using AgentHost.Connectors.Mlx.Core;

namespace AgentHost.Connectors.Mlx;

/// <summary>
/// Lists the server's models: <c>GET /api/tags</c> (<c>{"models": [{"name", "size", ...}]}</c>) on the MLX API Server,
/// <c>GET /v1/models</c> (<c>{"data": [{"id"}]}</c>) with <see cref="MlxProtocol.OpenAI"/>.
/// </summary>
public sealed class MlxModelCatalog : IModelCatalog
{
    private readonly HttpClient _http;
    private readonly Func<MlxOptions> _currentOptions;
    private readonly string _name;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the catalog. Prefer the <c>AddMlxChatCompletion</c> extension methods, which register it.</summary>
    public MlxModelCatalog(HttpClient httpClient, MlxOptions options, string name = BackendNames.Mlx, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _http = httpClient;
        _currentOptions = () => options;
        _name = name;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Creates it over options read at each use, so a reloaded endpoint is probed next time (what DI registers).</summary>
    internal MlxModelCatalog(HttpClient httpClient, Func<MlxOptions> currentOptions, string name, TimeProvider? timeProvider)
        : this(httpClient, new MlxOptions(), name, timeProvider)
    {
        _currentOptions = currentOptions ?? throw new ArgumentNullException(nameof(currentOptions));
    }

    private MlxOptions Options => _currentOptions();

    /// <inheritdoc />
    public async Task<IReadOnlyList<BackendModelInfo>> ListModelsAsync(CancellationToken cancellationToken = default)
    {
        var openAI = Options.Protocol == MlxProtocol.OpenAI;
        using var response = await _http.GetAsync(MlxRequestBuilder.Address(Options, openAI ? "v1/models" : "api/tags"), cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await BackendHttpOperationException.FromResponseAsync(_name, response, _timeProvider, cancellationToken).ConfigureAwait(false);
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var doc = JsonDocument.Parse(body);
            var list = doc.RootElement.TryGetProperty(openAI ? "data" : "models", out var models) && models.ValueKind == JsonValueKind.Array
                ? models
                : throw new JsonException("No model list.");
            return [.. list.EnumerateArray().Select(m => Model(m, openAI)).OfType<BackendModelInfo>()];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new BackendResponseException(_name, BackendResponseProblem.Malformed, $"The model list is not the expected JSON: {e.Message}", innerException: e);
        }
    }

    private static BackendModelInfo? Model(JsonElement m, bool openAI)
    {
        var name = m.TryGetProperty(openAI ? "id" : "name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        if (name is null)
        {
            return null;
        }

        long? size = m.TryGetProperty("size", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var bytes) && bytes > 0 ? bytes : null;
        return new BackendModelInfo(name, size);
    }
}
