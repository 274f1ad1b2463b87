using AgentHost.Backends;

namespace AgentHost.Fallback.Core;

/// <summary>Turns <see cref="FallbackOptions.Order"/> into entries over registered backends, or says in one line what is wrong.</summary>
internal static class FallbackOrder
{
    public static IReadOnlyList<FallbackOrderEntry> Resolve(FallbackOptions options, IEnumerable<BackendDescriptor> descriptors, out string? error)
    {
        var registered = descriptors.Select(d => d.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var entries = options.Order.Where(e => !string.IsNullOrWhiteSpace(e)).Select(FallbackOrderEntry.Parse).ToList();
        var unknown = entries.Where(e => !registered.Contains(e.Name, StringComparer.OrdinalIgnoreCase)).Select(e => e.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (!options.OrderIsExplicit)
        {
            entries.RemoveAll(e => unknown.Contains(e.Name, StringComparer.OrdinalIgnoreCase));
            unknown.Clear();
        }

        error = null;
        if (unknown.Count > 0)
        {
            var known = registered.Count == 0 ? "none are registered" : $"registered: {string.Join(", ", registered)}";
            error = $"{FallbackOptions.SectionName}:Order names {string.Join(", ", unknown.Select(u => $"'{u}'"))}, which {(unknown.Count == 1 ? "is" : "are")} not a registered backend ({known}).";
        }
        else if (entries.Count == 0)
        {
            error = registered.Count == 0
                ? $"{FallbackOptions.SectionName}: no backend is registered; add one (e.g. AddOllamaChatClient) before AddFallbackChatCompletion."
                : $"{FallbackOptions.SectionName}:Order is empty (registered: {string.Join(", ", registered)}).";
        }

        // Canonical spelling: the descriptor's name.
        return [.. entries.Select(e => e with { Name = registered.FirstOrDefault(r => string.Equals(r, e.Name, StringComparison.OrdinalIgnoreCase)) ?? e.Name })];
    }
}
