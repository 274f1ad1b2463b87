using AgentHost.Backends;

namespace AgentHost.Connectors.Embedded;

/// <summary>Lists the embedded backend's one model: its file name, size on disk and whether its weights are loaded now.</summary>
public sealed class EmbeddedModelCatalog : IModelCatalog
{
    private readonly EmbeddedModel _model;

    internal EmbeddedModelCatalog(EmbeddedModel model) => _model = model;

    /// <inheritdoc />
    public Task<IReadOnlyList<BackendModelInfo>> ListModelsAsync(CancellationToken cancellationToken = default)
    {
        var path = _model.Options.Enabled ? _model.Options.FullModelPath : null;
        if (path is null)
        {
            return Task.FromResult<IReadOnlyList<BackendModelInfo>>([]);
        }

        var file = new FileInfo(path);
        IReadOnlyList<BackendModelInfo> models = [new BackendModelInfo(file.Name, file.Exists ? file.Length : null, _model.IsLoaded)];
        return Task.FromResult(models);
    }
}
