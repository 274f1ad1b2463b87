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
    private readonly Dictionary<string, ChainBackend> _byName = backends.ToDictionary(b => b.Name, StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Task<Entry>> _fetching = new(StringComparer.OrdinalIgnoreCase);

    public TimeSpan TimeToLive { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan FetchTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The models by backend name (a backend whose catalog failed or that is disabled lists none), each as fresh as <see cref="TimeToLive"/>.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> GetAsync(CancellationToken cancellationToken)
    {
        var lists = await Task.WhenAll(backends.Select(b => GetFreshAsync(b, cancellationToken))).ConfigureAwait(false);
        var models = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < backends.Count; i++)
        {
            models[backends[i].Name] = lists[i].Models ?? [];
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
                _ = Refresh(_byName.GetValueOrDefault(backend), CancellationToken.None);
            }

            return new(entry.Models);
        }

        return _byName.GetValueOrDefault(backend) is { } known ? FirstAsync(known, cancellationToken) : new((IReadOnlyList<string>?)null);

        async ValueTask<IReadOnlyList<string>?> FirstAsync(ChainBackend b, CancellationToken ct) => (await Refresh(b, ct).WaitAsync(ct).ConfigureAwait(false)).Models;
    }

    /// <summary>Forgets what <paramref name="backend"/> reported (it said a model was not found): the next request asks again.</summary>
    public void Invalidate(string backend) => _entries.TryRemove(backend, out _);

    private async Task<Entry> GetFreshAsync(ChainBackend backend, CancellationToken cancellationToken) =>
        _entries.TryGetValue(backend.Name, out var entry) && time.GetElapsedTime(entry.Taken) < TimeToLive
            ? entry
            : await Refresh(backend, cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>The refresh of one backend's list in flight, started if none is (callers share it).</summary>
    private Task<Entry> Refresh(ChainBackend? backend, CancellationToken cancellationToken)
    {
        if (backend is null)
        {
            return Task.FromResult(new Entry(time.GetTimestamp(), null));
        }

        if (_fetching.TryGetValue(backend.Name, out var running))
        {
            return running;
        }

        var fetch = new TaskCompletionSource<Entry>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_fetching.TryAdd(backend.Name, fetch.Task))
        {
            return _fetching.TryGetValue(backend.Name, out running) ? running : Refresh(backend, cancellationToken);
        }

        _ = RunAsync();
        return fetch.Task;

        async Task RunAsync()
        {
            // The fetch is shared, so it is bounded by its own timeout, not by the first caller's token.
            var models = await FetchAsync(backend).ConfigureAwait(false);
            var entry = new Entry(time.GetTimestamp(), models);
            _entries[backend.Name] = entry;
            _fetching.TryRemove(backend.Name, out _);
            fetch.SetResult(entry);
        }
    }

    private async Task<IReadOnlyList<string>?> FetchAsync(ChainBackend backend)
    {
        try
        {
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
            logger.ModelListFailed(backend.Name, FallbackErrorClassifier.Describe(e));
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
