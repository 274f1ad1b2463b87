using AgentHost.Backends;
using OllamaSharp;

namespace AgentHost.Connectors.Ollama;

/// <summary>
/// Lists Ollama's models through OllamaSharp: names and sizes from <c>GET /api/tags</c>, and whether each is loaded
/// from <c>GET /api/ps</c> (<see cref="BackendModelInfo.Loaded"/> is null when that listing fails).
/// </summary>
public sealed class OllamaModelCatalog : IModelCatalog
{
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly string _backend;
    private readonly OllamaBackendOptions _options;

    /// <summary>Creates the catalog for the backend registered as <paramref name="backendName"/>.</summary>
    public OllamaModelCatalog(IHttpClientFactory httpClientFactory, string backendName, OllamaBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentException.ThrowIfNullOrWhiteSpace(backendName);
        ArgumentNullException.ThrowIfNull(options);
        _httpClientFactory = httpClientFactory;
        _backend = backendName;
        _options = options;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<BackendModelInfo>> ListModelsAsync(CancellationToken cancellationToken = default)
    {
        var client = OllamaClients.Create(_httpClientFactory, _backend, _options);
        var local = await client.ListLocalModelsAsync(cancellationToken).ConfigureAwait(false);
        HashSet<string>? loaded;
        try
        {
            var running = await client.ListRunningModelsAsync(cancellationToken).ConfigureAwait(false);
            loaded = running.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is HttpRequestException or BackendHttpOperationException or System.Text.Json.JsonException)
        {
            loaded = null;
        }

        return local.Select(m => new BackendModelInfo(m.Name, m.Size, loaded?.Contains(m.Name))).ToList();
    }
}
