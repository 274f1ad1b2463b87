using AgentHost.Fallback.Core;
using AgentHost.Fallback.Embeddings;

namespace AgentHost.Fallback;

public sealed partial class FallbackEmbeddingGenerator
{
    /// <summary>The embedding models the backends ask for by default, and the backends' names: what a call's <c>ModelId</c> may name.</summary>
    public IReadOnlyList<string> KnownModels =>
        [.. _order.Select(e => _backends[e.Name]).Distinct().Where(b => b.CannotEmbed() is null).SelectMany(b => new[] { b.Name, b.DefaultModel })
            .OfType<string>().Where(m => m.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>
    /// The backends a call asks and the model it asks them for: every embedding backend of the order (no model named);
    /// one backend (its name named: its own default model); the backends whose default embedding model it is.
    /// </summary>
    private Selection Select(string? model)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            return new Selection(_plan, null, FallbackRouteDecision.ByDefault);
        }

        var name = model.Trim();
        if (_backends.TryGetValue(name, out var named))
        {
            return new Selection(PlanOf([named]), null, FallbackRouteDecision.ByCaller);
        }

        var serving = _backends.Values.Where(b => b.CannotEmbed() is null && SameModel(b.DefaultModel, name)).ToList();
        return serving.Count > 0
            ? new Selection(PlanOf(serving), name, FallbackRouteDecision.ByCaller)
            : throw new FallbackRouteNotFoundException(name, [], KnownModels, FallbackRouteNotFoundException.Kind.Model);
    }

    /// <summary>The order's entries of <paramref name="backends"/> (in the order's sequence), then any the order does not name.</summary>
    private RoutePlan PlanOf(IReadOnlyCollection<EmbeddingBackend> backends)
    {
        var entries = _order.Where(e => backends.Any(b => string.Equals(b.Name, e.Name, StringComparison.OrdinalIgnoreCase))).ToList();
        entries.AddRange(backends.Where(b => !entries.Any(e => string.Equals(e.Name, b.Name, StringComparison.OrdinalIgnoreCase)))
            .Select(b => new FallbackOrderEntry(b.Name, OnlyIfHealthy: false)));
        return new RoutePlan(entries, n => _backends[n].Planned);
    }

    /// <summary>Whether two model names are the same model (Ollama's <c>:latest</c> tag is implied).</summary>
    private static bool SameModel(string? a, string b)
    {
        static string Bare(string m) => m.EndsWith(":latest", StringComparison.OrdinalIgnoreCase) ? m[..^7] : m;
        return a is not null && string.Equals(Bare(a), Bare(b), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>What one call asks: the plan, the model passed to each backend (null: its default), and what chose them.</summary>
    private sealed record Selection(RoutePlan Plan, string? ModelId, string ChosenBy);
}
