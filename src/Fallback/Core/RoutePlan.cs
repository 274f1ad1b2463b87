namespace AgentHost.Fallback.Core;

/// <summary>
/// A route's order resolved once to the chain's backends, shared by every call on that route: each entry's backend,
/// and the first entry naming the same backend (an order may name a backend twice, e.g. <c>Victoria?, Mlx, Victoria</c>).
/// </summary>
internal sealed class RoutePlan
{
    public RoutePlan(IReadOnlyList<FallbackOrderEntry> entries, Func<string, FallbackBackend> backend)
    {
        Entries = entries;
        Backends = new FallbackBackend[entries.Count];
        FirstIndex = new int[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            Backends[i] = backend(entries[i].Name);
            FirstIndex[i] = i;
            for (var j = 0; j < i; j++)
            {
                if (ReferenceEquals(Backends[j], Backends[i]))
                {
                    FirstIndex[i] = j;
                    break;
                }
            }
        }
    }

    public IReadOnlyList<FallbackOrderEntry> Entries { get; }

    public FallbackBackend[] Backends { get; }

    public int[] FirstIndex { get; }
}
