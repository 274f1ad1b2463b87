namespace AgentHost.Tests.Http;

/// <summary>
/// Tests whose assertion is about time between a backend's chunks (a 20 ms paced stream keeps one event per chunk):
/// they run alone, after the parallel tests, so a stall of the loaded test machine is not mistaken for a merge rule
/// that waits. The rule is also run under an extra busy core (see bench/RESULTS.md, bursts coalesced).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Timing";
}
