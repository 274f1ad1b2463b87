using AgentHost.Backends;

namespace AgentHost.Http.Ollama;

/// <summary>A model a backend reports as loaded in memory now, for <c>GET /api/ps</c>.</summary>
/// <param name="Backend">The backend that has it loaded.</param>
/// <param name="Name">The model's name on that backend.</param>
/// <param name="SizeBytes">Its size, when reported.</param>
/// <param name="ExpiresAt">When the backend will unload it, when known.</param>
internal sealed record OllamaLoadedModel(string Backend, string Name, long? SizeBytes = null, DateTimeOffset? ExpiresAt = null);

/// <summary>
/// What <c>GET /api/ps</c> lists: the seam for a loaded-model catalog. The default (<see cref="CatalogLoadedModels"/>) asks
/// each enabled backend's <see cref="IModelCatalog"/>; a catalog kept warm elsewhere can be registered in its place.
/// </summary>
internal interface IOllamaLoadedModels
{
    /// <summary>The loaded models of every enabled backend; a backend that does not say, or fails to answer, lists none.</summary>
    Task<IReadOnlyList<OllamaLoadedModel>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Asks every enabled backend's keyed <see cref="IModelCatalog"/> (Ollama's reads its <c>/api/ps</c>) at once, each with
/// <see cref="Timeout"/>, and keeps the models reported <see cref="BackendModelInfo.Loaded"/>. Thread-safe.
/// </summary>
internal sealed class CatalogLoadedModels(IServiceProvider services, IEnumerable<BackendDescriptor> descriptors) : IOllamaLoadedModels
{
    /// <summary>How long one backend's catalog may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    private readonly List<BackendDescriptor> _descriptors = [.. descriptors.DistinctBy(d => d.Name, StringComparer.OrdinalIgnoreCase)];

    /// <inheritdoc />
    public async Task<IReadOnlyList<OllamaLoadedModel>> ListAsync(CancellationToken cancellationToken)
    {
        var lists = await Task.WhenAll(_descriptors.Where(d => d.GetOptions(services).Enabled)
            .Select(d => (d.Name, Catalog: services.GetKeyedService<IModelCatalog>(d.Name)))
            .Where(d => d.Catalog is not null)
            .Select(d => LoadedAsync(d.Name, d.Catalog!, cancellationToken)));
        return [.. lists.SelectMany(l => l)];
    }

    private static async Task<IEnumerable<OllamaLoadedModel>> LoadedAsync(string backend, IModelCatalog catalog, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var models = await catalog.ListModelsAsync(timeout.Token);
            return models.Where(m => m.Loaded == true).Select(m => new OllamaLoadedModel(backend, m.Name, m.SizeBytes));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
        {
            // A backend down, slow or answering oddly (HTTP, JSON, timeout: each connector's own failures) lists nothing.
            return [];
        }
    }
}
