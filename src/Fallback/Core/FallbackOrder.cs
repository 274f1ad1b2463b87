using AgentHost.Backends;

namespace AgentHost.Fallback.Core;

/// <summary>
/// Turns <see cref="FallbackOptions.Order"/> into entries over registered backends, or says in one line what is wrong.
/// A last-resort backend (<see cref="BackendDescriptor.IsLastResort"/>, e.g. Embedded) that the order does not name is
/// appended at the end when <c>isEnabled</c> says it is enabled (always, when no <c>isEnabled</c> is given); an order
/// that names it keeps its position.
/// </summary>
internal static class FallbackOrder
{
    public static IReadOnlyList<FallbackOrderEntry> Resolve(FallbackOptions options, IEnumerable<BackendDescriptor> descriptors, out string? error,
        Func<BackendDescriptor, bool>? isEnabled = null)
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
                ? $"{FallbackOptions.SectionName}: no backend is registered; add one (e.g. AddOllamaChatClient) before AddFallbackChatClient (or AddFallbackChatCompletion)."
                : $"{FallbackOptions.SectionName}:Order is empty (registered: {string.Join(", ", registered)}).";
        }

        // Canonical spelling: the descriptor's name.
        List<FallbackOrderEntry> resolved = [.. entries.Select(e => e with { Name = registered.FirstOrDefault(r => string.Equals(r, e.Name, StringComparison.OrdinalIgnoreCase)) ?? e.Name })];
        foreach (var lastResort in descriptors.Where(d => d.IsLastResort && !resolved.Any(e => string.Equals(e.Name, d.Name, StringComparison.OrdinalIgnoreCase))))
        {
            if (isEnabled?.Invoke(lastResort) ?? true)
            {
                resolved.Add(new FallbackOrderEntry(lastResort.Name, OnlyIfHealthy: false));
            }
        }

        return resolved;
    }

    /// <summary>Whether a backend is enabled now, read from its source (an unreadable configuration counts as enabled, so the planner reports it).</summary>
    public static Func<BackendDescriptor, bool> EnabledIn(IReadOnlyList<ChainBackend> backends)
    {
        var byName = backends.DistinctBy(b => b.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(b => b.Name, StringComparer.OrdinalIgnoreCase);
        return descriptor => !byName.TryGetValue(descriptor.Name, out var backend) || backend.IsEnabled();
    }
}
