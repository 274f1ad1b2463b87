using System.Collections.Concurrent;
using AgentHost.Backends;
using Microsoft.Extensions.Logging;

namespace AgentHost.Fallback.Core;

/// <summary>
/// The models each enabled backend reports (its keyed <see cref="IModelCatalog"/>), each asked with a short timeout
/// and kept for <see cref="TimeToLive"/>. A backend whose list has expired is served its last list while a refresh runs
/// (one at a time per backend), so an ordinary request waits for a catalog only the first time. A backend's list is
/// dropped when it answers "model not found" (<see cref="Invalidate"/>). Thread-safe.
/// </summary>
internal sealed class BackendModelDirectory(IReadOnlyList<ChainBackend> backends, TimeProvider time, ILogger logger)
{
    private readonly IReadOnlyList<BackendDescriptor> descriptors = [.. backends.Select(b => b.Descriptor)];
    private readonly Dictionary<string, ChainBackend> _byName = backends.ToDictionary(b => b.Name, StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Task<Entry>> _fetching = new(StringComparer.OrdinalIgnoreCase);

    public TimeSpan TimeToLive { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan FetchTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The models by backend name (a backend whose catalog failed or that is disabled lists none), each as fresh as <see cref="TimeToLive"/>.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> GetAsync(CancellationToken cancellationToken)
    {
        var lists = await Task.WhenAll(descriptors.Select(d => GetFreshAsync(d, cancellationToken))).ConfigureAwait(false);
        var models = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < descriptors.Count; i++)
        {
            models[descriptors[i].Name] = lists[i].Models ?? [];
        }

        return models;
    }

    /// <summary>
    /// The models <paramref name="backend"/> reports, <see langword="null"/> when unknown (no catalog, disabled, or its
    /// catalog failed). An expired list is returned as it was while a refresh runs in the background.
    /// </summary>
    public ValueTask<IReadOnlyList<string>?> GetAsync(string backend, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(backend, out var entry))
        {
            if (time.GetElapsedTime(entry.Taken) >= TimeToLive)
            {
                _ = Refresh(Descriptor(backend), CancellationToken.None);
            }

            return new(entry.Models);
        }

        return Descriptor(backend) is { } descriptor ? FirstAsync(descriptor, cancellationToken) : new((IReadOnlyList<string>?)null);

        async ValueTask<IReadOnlyList<string>?> FirstAsync(BackendDescriptor d, CancellationToken ct) => (await Refresh(d, ct).WaitAsync(ct).ConfigureAwait(false)).Models;
    }

    /// <summary>Forgets what <paramref name="backend"/> reported (it said a model was not found): the next request asks again.</summary>
    public void Invalidate(string backend) => _entries.TryRemove(backend, out _);

    private BackendDescriptor? Descriptor(string backend) =>
        descriptors.FirstOrDefault(d => string.Equals(d.Name, backend, StringComparison.OrdinalIgnoreCase));

    private async Task<Entry> GetFreshAsync(BackendDescriptor descriptor, CancellationToken cancellationToken) =>
        _entries.TryGetValue(descriptor.Name, out var entry) && time.GetElapsedTime(entry.Taken) < TimeToLive
            ? entry
            : await Refresh(descriptor, cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>The refresh of one backend's list in flight, started if none is (callers share it).</summary>
    private Task<Entry> Refresh(BackendDescriptor? descriptor, CancellationToken cancellationToken)
    {
        if (descriptor is null)
        {
            return Task.FromResult(new Entry(time.GetTimestamp(), null));
        }

        if (_fetching.TryGetValue(descriptor.Name, out var running))
        {
            return running;
        }

        var fetch = new TaskCompletionSource<Entry>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_fetching.TryAdd(descriptor.Name, fetch.Task))
        {
            return _fetching.TryGetValue(descriptor.Name, out running) ? running : Refresh(descriptor, cancellationToken);
        }

        _ = RunAsync();
        return fetch.Task;

        async Task RunAsync()
        {
            // The fetch is shared, so it is bounded by its own timeout, not by the first caller's token.
            var models = await FetchAsync(descriptor).ConfigureAwait(false);
            var entry = new Entry(time.GetTimestamp(), models);
            _entries[descriptor.Name] = entry;
            _fetching.TryRemove(descriptor.Name, out _);
            fetch.SetResult(entry);
        }
    }

    private async Task<IReadOnlyList<string>?> FetchAsync(BackendDescriptor descriptor)
    {
        try
        {
            var backend = _byName[descriptor.Name];
            if (!backend.GetOptions().Enabled || backend.Catalog is not { } catalog)
            {
                return null;
            }

            using var timeout = new CancellationTokenSource(FetchTimeout, time);
            var models = await catalog.ListModelsAsync(timeout.Token).ConfigureAwait(false);
            IReadOnlyList<string> names = [.. models.Select(m => m.Name).Where(n => !string.IsNullOrWhiteSpace(n))];
            return names.Count == 0 ? null : names;
        }
        catch (Exception e)
        {
            // Any failure of a backend's catalog (unreachable, malformed, options unreadable) means "unknown", never a crash.
            logger.ModelListFailed(descriptor.Name, FallbackErrorClassifier.Describe(e));
            return null;
        }
    }

    /// <summary>Whether two model names are the same, treating Ollama's implicit <c>:latest</c> tag as written.</summary>
    public static bool SameModel(string a, string b) =>
        string.Equals(a, b, StringComparison.OrdinalIgnoreCase) || IsLatestOf(a, b) || IsLatestOf(b, a);

    /// <summary>Whether <paramref name="tagged"/> is <paramref name="bare"/><c>:latest</c> (no allocation: on every request's path).</summary>
    private static bool IsLatestOf(string tagged, string bare) =>
        tagged.Length == bare.Length + 7 && !bare.Contains(':', StringComparison.Ordinal)
        && tagged.StartsWith(bare, StringComparison.OrdinalIgnoreCase) && tagged.AsSpan(bare.Length).Equals(":latest", StringComparison.OrdinalIgnoreCase);

    private sealed record Entry(long Taken, IReadOnlyList<string>? Models);
}
