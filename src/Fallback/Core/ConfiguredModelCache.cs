using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using AgentHost.Backends;

namespace AgentHost.Fallback.Core;

/// <summary>
/// The models the configuration says each backend serves (its own <c>Model</c> while it is enabled, then what the routes
/// and rules name for it), computed once and again only when a backend's options change, with the caller decisions made
/// from them (<see cref="Snapshot"/>). A backend whose options can be watched (<see cref="ChainBackend.WatchOptions"/>)
/// is not read again until its options change; any other one is read on each use and compared, as before. Thread-safe.
/// </summary>
internal sealed class ConfiguredModelCache : IDisposable
{
    /// <summary>At most this many caller decisions are kept per snapshot (names come from callers); further names are decided each time.</summary>
    public const int MaxDecisions = 1024;

    private readonly IReadOnlyList<ChainBackend> _backends;
    private readonly List<string>[] _named;
    private readonly IDisposable?[] _watches;
    private readonly int[] _watchState; // 0: not tried, 1: being started, 2: watched, 3: cannot be watched
    private Snapshot? _current;
    private int _version;
    private bool _disposed;

    /// <param name="backends">The backends, in the router's order.</param>
    /// <param name="named">For each backend, by name, the models the (fixed) routes and rules name for it, in their order.</param>
    public ConfiguredModelCache(IReadOnlyList<ChainBackend> backends, Func<string, List<string>> named)
    {
        _backends = backends;
        _named = [.. backends.Select(b => named(b.Name))];
        _watches = new IDisposable?[backends.Count];
        _watchState = new int[backends.Count];
    }

    /// <summary>The configured models as they are now: the same snapshot while no backend's options changed.</summary>
    public Snapshot Current
    {
        get
        {
            var snapshot = Volatile.Read(ref _current);
            if (snapshot is not null && snapshot.StillHolds(this))
            {
                return snapshot;
            }

            var version = Volatile.Read(ref _version);
            var built = Build();
            if (version == Volatile.Read(ref _version))
            {
                Interlocked.CompareExchange(ref _current, built, snapshot);
            }

            return built;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        for (var i = 0; i < _watches.Length; i++)
        {
            Interlocked.Exchange(ref _watches[i], null)?.Dispose();
        }
    }

    private Snapshot Build()
    {
        var models = new Dictionary<string, IReadOnlyList<string>>(_backends.Count, StringComparer.OrdinalIgnoreCase);
        var own = new string?[_backends.Count];
        var unwatched = new List<int>();
        for (var i = 0; i < _backends.Count; i++)
        {
            // Watched before its options were read: any later change drops this snapshot.
            var watched = Volatile.Read(ref _watchState[i]) == 2;
            var options = Read(_backends[i]);
            own[i] = OwnModel(options);
            if (!watched && !(options is not null && TryWatch(i, options)))
            {
                unwatched.Add(i);
            }

            var list = new List<string>(_named[i].Count + 1);
            if (own[i] is { } model)
            {
                list.Add(model);
            }

            list.AddRange(_named[i]);
            models[_backends[i].Name] = list;
        }

        return new Snapshot(models, own, [.. unwatched]);
    }

    /// <summary>Starts the watch of backend <paramref name="i"/> with the options just read; whether this read is now watched.</summary>
    private bool TryWatch(int i, BackendOptions options)
    {
        if (Interlocked.CompareExchange(ref _watchState[i], 1, 0) != 0)
        {
            return false; // being started by another reader (whose read it covers), or it cannot be watched
        }

        var watch = _backends[i].WatchOptions?.Invoke(options, Changed);
        if (watch is null || _disposed)
        {
            watch?.Dispose();
            Volatile.Write(ref _watchState[i], 3);
            return false;
        }

        _watches[i] = watch;
        Volatile.Write(ref _watchState[i], 2);
        return true;
    }

    private void Changed()
    {
        Interlocked.Increment(ref _version);
        Volatile.Write(ref _current, null);
    }

    private static BackendOptions? Read(ChainBackend backend)
    {
        try
        {
            return backend.GetOptions();
        }
        catch (Exception)
        {
            // Options that cannot be read (binding or validation failure) contribute nothing; the chain reports the backend's problem.
            return null;
        }
    }

    private static string? OwnModel(BackendOptions? options) => options is { Enabled: true, Model: { Length: > 0 } model } ? model : null;

    /// <summary>One state of the configured models, and the caller decisions made from it (dropped with it).</summary>
    internal sealed class Snapshot
    {
        private readonly string?[] _own;
        private readonly int[] _unwatched;
        private readonly ConcurrentDictionary<(int Route, string Model), FallbackRouteDecision> _decisions = new();
        private int _count;

        internal Snapshot(Dictionary<string, IReadOnlyList<string>> models, string?[] own, int[] unwatched)
        {
            Models = models;
            _own = own;
            _unwatched = unwatched;
        }

        /// <summary>The models by backend name: its own <c>Model</c> first (while enabled), then the routes' and rules'.</summary>
        public IReadOnlyDictionary<string, IReadOnlyList<string>> Models { get; }

        /// <summary>The decision made for the caller's <paramref name="model"/> (exact spelling, trimmed) on route <paramref name="route"/>, if kept.</summary>
        public bool TryGetDecision(int route, string model, [NotNullWhen(true)] out FallbackRouteDecision? decision) =>
            _decisions.TryGetValue((route, model), out decision);

        /// <summary>Keeps a decision made from <see cref="Models"/> alone, while fewer than <see cref="MaxDecisions"/> are kept.</summary>
        public void Keep(int route, string model, FallbackRouteDecision decision)
        {
            if (Volatile.Read(ref _count) < MaxDecisions && Interlocked.Increment(ref _count) <= MaxDecisions)
            {
                _decisions.TryAdd((route, model), decision);
            }
        }

        /// <summary>Whether the backends that are not watched still have the model this snapshot was built with (no allocation).</summary>
        internal bool StillHolds(ConfiguredModelCache owner)
        {
            foreach (var i in _unwatched)
            {
                if (!string.Equals(OwnModel(Read(owner._backends[i])), _own[i], StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
