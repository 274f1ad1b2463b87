using AgentHost.Fallback.Core;

namespace AgentHost.Fallback;

/// <summary>The router's strict resolution of a caller's name, and the listing of routes and models.</summary>
public sealed partial class FallbackRouter
{
    /// <summary>
    /// Resolves a name the caller gave explicitly (the OpenAI <c>model</c> field, <c>--route</c>/<c>--model</c>): a route
    /// (case-insensitive), else a model one or more backends serve (as configured: a backend's <c>Model</c> or a route's or
    /// rule's <c>Models</c>; else as the backends' catalogs report), which yields a route over only those backends, in
    /// the default order, each asked for that model. Anything else throws <see cref="FallbackRouteNotFoundException"/>
    /// listing what exists. Rules and semantic routing do not apply to an explicit choice.
    /// </summary>
    public async ValueTask<FallbackRouteDecision> ResolveAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        name = name.Trim();
        var index = _table.IndexOf(name);
        if (index >= 0)
        {
            return _callerDecisions[index];
        }

        var configured = ConfiguredModels();
        var serving = Serving(configured, name);
        IReadOnlyDictionary<string, IReadOnlyList<string>>? reported = null;
        if (serving.Count == 0)
        {
            reported = await _directory.GetAsync(cancellationToken).ConfigureAwait(false);
            serving = Serving(reported, name);
        }

        if (serving.Count == 0)
        {
            var models = Merge(reported ?? await _directory.GetAsync(cancellationToken).ConfigureAwait(false), configured).Select(m => m.Id).ToList();
            throw new FallbackRouteNotFoundException(name, [.. _table.Routes.Select(r => r.Name)], models);
        }

        var entries = DefaultRoute.Entries.Where(e => serving.Contains(e.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        entries.AddRange(serving.Where(b => !entries.Any(e => string.Equals(e.Name, b, StringComparison.OrdinalIgnoreCase))).Select(b => new FallbackOrderEntry(b, false)));
        var route = new FallbackRoute(name, entries, serving.ToDictionary(b => b, _ => name, StringComparer.OrdinalIgnoreCase), null, isModel: true);
        return new FallbackRouteDecision(route, FallbackRouteDecision.ByCaller);
    }

    /// <summary>
    /// What a caller may name (for <c>GET /v1/models</c>): every route (default first), then every model the backends
    /// serve, as configured and as their catalogs report (each catalog asked with a short timeout; the listing is cached briefly).
    /// </summary>
    public async Task<IReadOnlyList<FallbackModelListing>> ListModelsAsync(CancellationToken cancellationToken = default)
    {
        var reported = await _directory.GetAsync(cancellationToken).ConfigureAwait(false);
        var routes = _table.Routes.Select(r => new FallbackModelListing(r.Name, true, [.. r.Entries.Select(e => e.Name).Distinct(StringComparer.OrdinalIgnoreCase)], r.Description));
        return [.. routes, .. Merge(reported, ConfiguredModels()).Where(m => _table.IndexOf(m.Id) < 0)];
    }

    /// <summary>The models the configuration says each backend serves: its own <c>Model</c>, and the routes' and rules' <c>Models</c>.</summary>
    private Dictionary<string, IReadOnlyList<string>> ConfiguredModels()
    {
        var models = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var descriptor in _descriptors)
        {
            var list = new List<string>();
            try
            {
                if (descriptor.GetOptions(_services) is { Enabled: true, Model: { Length: > 0 } model })
                {
                    list.Add(model);
                }
            }
            catch (Exception)
            {
                // Options that cannot be read contribute nothing; the chain reports the backend's problem.
            }

            var named = _table.Routes.Select(r => r.Models).Concat(_table.Rules.Select(r => r.Models).OfType<IReadOnlyDictionary<string, string>>());
            list.AddRange(named.Select(m => m.GetValueOrDefault(descriptor.Name)).OfType<string>());
            models[descriptor.Name] = list;
        }

        return models;
    }

    private List<string> Serving(IReadOnlyDictionary<string, IReadOnlyList<string>> models, string name) =>
        [.. _descriptors.Select(d => d.Name).Where(b => models.TryGetValue(b, out var list) && list.Any(m => BackendModelDirectory.SameModel(m, name)))];

    /// <summary>Reported models first (their spelling wins), then configured ones not reported; each with the backends serving it.</summary>
    private static List<FallbackModelListing> Merge(params IReadOnlyDictionary<string, IReadOnlyList<string>>[] sources)
    {
        var result = new List<(string Id, List<string> Backends)>();
        foreach (var source in sources)
        {
            foreach (var (backend, models) in source)
            {
                foreach (var model in models)
                {
                    var found = result.FindIndex(r => BackendModelDirectory.SameModel(r.Id, model));
                    if (found < 0)
                    {
                        result.Add((model, [backend]));
                    }
                    else if (!result[found].Backends.Contains(backend, StringComparer.OrdinalIgnoreCase))
                    {
                        result[found].Backends.Add(backend);
                    }
                }
            }
        }

        return [.. result.Select(r => new FallbackModelListing(r.Id, false, r.Backends))];
    }
}
