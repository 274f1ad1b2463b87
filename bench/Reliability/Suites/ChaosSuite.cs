using AgentHost.Bench.Reliability.Infrastructure;

namespace AgentHost.Bench.Reliability.Suites;

internal static class ChaosSuite
{
    public static Task<Findings> RunAsync(SuiteOptions options, CancellationToken cancellationToken) => Task.FromResult(new Findings("ChaosSuite"));
}
