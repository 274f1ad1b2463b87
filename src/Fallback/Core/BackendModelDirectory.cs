using AgentHost.Backends;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentHost.Fallback.Core;

/// <summary>
/// The models each enabled backend reports (its keyed <see cref="IModelCatalog"/>), asked for concurrently, each with a
/// short timeout, and kept for a while. Used only when a caller names a model and to list models; never on the path of
/// an ordinary request.
/// </summary>
internal sealed class BackendModelDirectory(IServiceProvider services, IReadOnlyList<BackendDescriptor> descriptors, TimeProvider time, ILogger logger)
{
    private volatile Snapshot? _snapshot;

    public TimeSpan TimeToLive { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan FetchTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The models by backend name (a backend whose catalog failed or that is disabled lists none).</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> GetAsync(CancellationToken cancellationToken)
    {
        if (_snapshot is { } cached && time.GetElapsedTime(cached.Taken) < TimeToLive)
        {
            return cached.Models;
        }

        var lists = await Task.WhenAll(descriptors.Select(d => FetchAsync(d, cancellationToken))).ConfigureAwait(false);
        var models = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < descriptors.Count; i++)
        {
            models[descriptors[i].Name] = lists[i];
        }

        _snapshot = new Snapshot(time.GetTimestamp(), models);
        return models;
    }

    private async Task<IReadOnlyList<string>> FetchAsync(BackendDescriptor descriptor, CancellationToken cancellationToken)
    {
        try
        {
            if (!descriptor.GetOptions(services).Enabled || services.GetKeyedService<IModelCatalog>(descriptor.Name) is not { } catalog)
            {
                return [];
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(FetchTimeout);
            var models = await catalog.ListModelsAsync(timeout.Token).ConfigureAwait(false);
            return [.. models.Select(m => m.Name).Where(n => !string.IsNullOrWhiteSpace(n))];
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.ModelListFailed(descriptor.Name, FallbackErrorClassifier.Describe(e));
            return [];
        }
    }

    /// <summary>Whether two model names are the same, treating Ollama's implicit <c>:latest</c> tag as written.</summary>
    public static bool SameModel(string a, string b) =>
        string.Equals(a, b, StringComparison.OrdinalIgnoreCase)
        || string.Equals(Latest(a), Latest(b), StringComparison.OrdinalIgnoreCase);

    private static string Latest(string model) => model.Contains(':', StringComparison.Ordinal) ? model : model + ":latest";

    private sealed record Snapshot(long Taken, IReadOnlyDictionary<string, IReadOnlyList<string>> Models);
}
