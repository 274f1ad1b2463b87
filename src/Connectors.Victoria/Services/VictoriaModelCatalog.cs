using AgentHost.Backends;

namespace AgentHost.Connectors.Victoria;

/// <summary>
/// Victoria has no model list: it is one agent that picks its own models. The catalog reports that one agent,
/// named by <see cref="BackendOptions.Model"/> or <see cref="VictoriaChatCompletionService.DefaultModelId"/>.
/// </summary>
public sealed class VictoriaModelCatalog : IModelCatalog
{
    private readonly BackendModelInfo[] _models;

    /// <summary>Creates the catalog.</summary>
    public VictoriaModelCatalog(VictoriaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _models = [new BackendModelInfo(string.IsNullOrWhiteSpace(options.Model) ? VictoriaChatCompletionService.DefaultModelId : options.Model)];
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<BackendModelInfo>> ListModelsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<BackendModelInfo>>(_models);
}
