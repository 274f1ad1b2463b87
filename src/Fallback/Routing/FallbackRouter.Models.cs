using AgentHost.Fallback.Core;

namespace AgentHost.Fallback;

/// <summary>The router's strict resolution of a caller's name, and the listing of routes and models.</summary>
public sealed partial class FallbackRouter
{
    /// <summary>
    /// Resolves a name the caller gave explicitly (the OpenAI <c>model</c> field): a route (case-insensitive), else a
    /// model one or more backends serve, as <see cref="ResolveAsync(string?, string?, CancellationToken)"/> with that model.
    /// Anything else throws <see cref="FallbackRouteNotFoundException"/> listing what exists.
    /// </summary>
    public ValueTask<FallbackRouteDecision> ResolveAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var index = _table.IndexOf(name.Trim());
        return index >= 0 ? new(_callerDecisions[index]) : ResolveAsync(null, name, cancellationToken);
    }

    /// <summary>
    /// Resolves the caller's explicit route and/or model (<c>--route</c>, <c>--model</c>). A route must exist. A model
    /// must be served by a backend of the route (default: the default route, plus any other backend that serves it):
    /// as configured (a backend's <c>Model</c>, a route's or rule's <c>Models</c>), else as the backends' catalogs report.
    /// Only those backends are tried, in the route's order, each asked for that model. Rules and semantic routing do
    /// not apply to an explicit choice. Throws <see cref="FallbackRouteNotFoundException"/> listing what exists.
    /// A choice made from the configured models is kept (per route and spelling of the model, up to 1,024 of them) until
    /// a backend's options change: repeating it costs a lookup.
    /// </summary>
    public ValueTask<FallbackRouteDecision> ResolveAsync(string? route, string? model, CancellationToken cancellationToken = default)
    {
        if (!string.IsNullOrWhiteSpace(model))
        {
            var index = string.IsNullOrWhiteSpace(route) ? 0 : _table.IndexOf(route.Trim());
            if (index >= 0 && _configuredModels.Current.TryGetDecision(index, model.Trim(), out var kept))
            {
                return new(kept);
            }
        }

        return DecideModelAsync(route, model, cancellationToken);
    }

    private async ValueTask<FallbackRouteDecision> DecideModelAsync(string? route, string? model, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(route) && string.IsNullOrWhiteSpace(model))
        {
            throw new ArgumentException("Name a route, a model, or both.", nameof(route));
        }

        var index = string.IsNullOrWhiteSpace(route) ? 0 : _table.IndexOf(route.Trim());
        if (index < 0)
        {
            throw new FallbackRouteNotFoundException(route!.Trim(), [.. _table.Routes.Select(r => r.Name)], [], FallbackRouteNotFoundException.Kind.Route);
        }

        if (string.IsNullOrWhiteSpace(model))
        {
            return _callerDecisions[index];
        }

        model = model.Trim();
        var snapshot = _configuredModels.Current;
        var configured = snapshot.Models;
        var serving = Serving(configured, model);
        IReadOnlyDictionary<string, IReadOnlyList<string>>? reported = null;
        if (serving.Count == 0)
        {
            reported = await _directory.GetAsync(cancellationToken).ConfigureAwait(false);
            serving = Serving(reported, model);
        }

        var based = _table.Routes[index];
        var entries = based.Entries.Where(e => serving.Contains(e.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        if (index == 0)
        {
            entries.AddRange(serving.Where(b => !entries.Any(e => string.Equals(e.Name, b, StringComparison.OrdinalIgnoreCase))).Select(b => new FallbackOrderEntry(b, false)));
        }

        if (entries.Count == 0)
        {
            var models = Merge(reported ?? await _directory.GetAsync(cancellationToken).ConfigureAwait(false), configured)
                .Where(m => index == 0 || m.Backends.Any(b => based.Entries.Any(e => string.Equals(e.Name, b, StringComparison.OrdinalIgnoreCase))))
                .Select(m => m.Id).ToList();
            throw new FallbackRouteNotFoundException(model, [.. _table.Routes.Select(r => r.Name)], models,
                string.IsNullOrWhiteSpace(route) ? FallbackRouteNotFoundException.Kind.RouteOrModel : FallbackRouteNotFoundException.Kind.Model, index == 0 ? null : based.Name);
        }

        var name = index == 0 ? model : $"{based.Name}/{model}";
        var chosen = new FallbackRoute(name, entries, serving.ToDictionary(b => b, _ => model, StringComparer.OrdinalIgnoreCase), null, isModel: true);
        var decision = new FallbackRouteDecision(chosen, FallbackRouteDecision.ByCaller);
        if (reported is null)
        {
            snapshot.Keep(index, model, decision); // from the configuration alone; what the catalogs report follows their refresh
        }

        return decision;
    }

    /// <summary>
    /// What a caller may name (for <c>GET /v1/models</c>): every route (default first), then every model the backends
    /// serve, as configured and as their catalogs report (each catalog asked with a short timeout; the listing is cached briefly).
    /// </summary>
    public async Task<IReadOnlyList<FallbackModelListing>> ListModelsAsync(CancellationToken cancellationToken = default)
    {
        var reported = await _directory.GetAsync(cancellationToken).ConfigureAwait(false);
        var routes = _table.Routes.Select(r => new FallbackModelListing(r.Name, true, [.. r.Entries.Select(e => e.Name).Distinct(StringComparer.OrdinalIgnoreCase)], r.Description));
        return [.. routes, .. Merge(reported, _configuredModels.Current.Models).Where(m => _table.IndexOf(m.Id) < 0)];
    }

    /// <summary>What the routes' and then the rules' <c>Models</c> name for <paramref name="backend"/> (the table is fixed).</summary>
    private List<string> NamedModels(string backend) =>
        [.. _table.Routes.Select(r => r.Models).Concat(_table.Rules.Select(r => r.Models).OfType<IReadOnlyDictionary<string, string>>())
            .Select(m => m.GetValueOrDefault(backend)).OfType<string>()];

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
