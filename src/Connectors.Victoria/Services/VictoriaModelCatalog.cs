using AgentHost.Backends;

namespace AgentHost.Connectors.Victoria;

/// <summary>
/// Victoria has no model list: it is one agent that picks its own models. The catalog reports that one agent,
/// named by <see cref="BackendOptions.Model"/> or <see cref="VictoriaChatClient.DefaultModelId"/>.
/// </summary>
public sealed class VictoriaModelCatalog : IModelCatalog
{
    private readonly Func<VictoriaOptions> _currentOptions;

    /// <summary>Creates the catalog.</summary>
    public VictoriaModelCatalog(VictoriaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _currentOptions = () => options;
    }

    /// <summary>Creates it over options read at each use, so a reloaded model name is listed next time (what DI registers).</summary>
    internal VictoriaModelCatalog(Func<VictoriaOptions> currentOptions) =>
        _currentOptions = currentOptions ?? throw new ArgumentNullException(nameof(currentOptions));

    /// <inheritdoc />
    public Task<IReadOnlyList<BackendModelInfo>> ListModelsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<BackendModelInfo>>([new BackendModelInfo(VictoriaChatClient.ModelId(_currentOptions()))]);
}
