namespace AgentHost.Backends;

/// <summary>Lists the models a backend can serve.</summary>
public interface IModelCatalog
{
    /// <summary>Asks the backend which models it has.</summary>
    Task<IReadOnlyList<BackendModelInfo>> ListModelsAsync(CancellationToken cancellationToken = default);
}

/// <summary>A model a backend reports.</summary>
/// <param name="Name">The name to send in requests.</param>
/// <param name="SizeBytes">The size on disk, when reported.</param>
/// <param name="Loaded">Whether it is loaded in memory now, when reported.</param>
public sealed record BackendModelInfo(string Name, long? SizeBytes = null, bool? Loaded = null);
