using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using AgentHost.Backends;

namespace AgentHost.Fallback.Core;

/// <summary>
/// The models the configuration says each backend serves (its own <c>Model</c> while it is enabled, then what the routes
/// and rules name for it), computed once and again only when a backend's options change, with the caller decisions made
/// from them (<see cref="Snapshot"/>). A backend whose options are watched (<see cref="ChainBackend.CurrentOptions"/>)
/// is not read again until its options change; any other one is read on each use and compared, as before. Thread-safe.
/// </summary>
internal sealed class ConfiguredModelCache
{
    /// <summary>At most this many caller decisions are kept per snapshot (names come from callers); further names are decided each time.</summary>
    public const int MaxDecisions = 1024;

    private readonly IReadOnlyList<ChainBackend> _backends;
    private readonly List<string>[] _named;
    private Snapshot? _current;

    /// <param name="backends">The backends, in the router's order.</param>
    /// <param name="named">For each backend, by name, the models the (fixed) routes and rules name for it, in their order.</param>
    public ConfiguredModelCache(IReadOnlyList<ChainBackend> backends, Func<string, List<string>> named)
    {
        _backends = backends;
        _named = [.. backends.Select(b => named(b.Name))];
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

            var built = Build();
            Interlocked.CompareExchange(ref _current, built, snapshot);
            return built;
        }
    }

    private Snapshot Build()
    {
        var models = new Dictionary<string, IReadOnlyList<string>>(_backends.Count, StringComparer.OrdinalIgnoreCase);
        var own = new string?[_backends.Count];
        var versions = new int[_backends.Count];
        for (var i = 0; i < _backends.Count; i++)
        {
            // The version before the read: a change after it makes this snapshot stale.
            versions[i] = _backends[i].OptionsVersion;
            own[i] = OwnModel(Read(_backends[i]));
            var list = new List<string>(_named[i].Count + 1);
            if (own[i] is { } model)
            {
                list.Add(model);
            }

            list.AddRange(_named[i]);
            models[_backends[i].Name] = list;
        }

        return new Snapshot(models, own, versions);
    }

    private static BackendOptions? Read(ChainBackend backend)
    {
        try
        {
            return backend.CurrentOptions;
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
        private readonly int[] _versions;
        private readonly ConcurrentDictionary<(int Route, string Model), FallbackRouteDecision> _decisions = new();
        private int _count;

        internal Snapshot(Dictionary<string, IReadOnlyList<string>> models, string?[] own, int[] versions)
        {
            Models = models;
            _own = own;
            _versions = versions;
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

        /// <summary>
        /// Whether every backend still has the model this snapshot was built with (no allocation): a watched one by its
        /// options' version, any other one by reading its options again and comparing.
        /// </summary>
        internal bool StillHolds(ConfiguredModelCache owner)
        {
            for (var i = 0; i < _versions.Length; i++)
            {
                var backend = owner._backends[i];
                if (backend.OptionsVersion != _versions[i]
                    || (!backend.OptionsWatched && !string.Equals(OwnModel(Read(backend)), _own[i], StringComparison.Ordinal)))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
