using AgentHost.Bench.Reliability.Infrastructure;

namespace AgentHost.Bench.Reliability;

/// <summary>What every suite gets: smoke or full, where progress goes, and the report the figures go into.</summary>
internal sealed record SuiteOptions(bool Smoke, TextWriter Out, ResultsReport Report);
