using System.Globalization;
using System.Text;
using BenchmarkDotNet.Reports;

namespace AgentHost.Fallback.Benchmarks;

/// <summary>Checks the issue's goals against the rows of this run (ratios and differences within the same run, never against other machines).</summary>
internal static class Goals
{
    private sealed record Row(double MeanNs, double MarginNs, long? Bytes);

    private sealed record Goal(string Name, string Subject, string? Baseline, double MaxNs, long? MaxBytes, bool Absolute = false);

    private static readonly Goal[] All =
    [
        new("chain happy path, IChatClient (report included)", "ChatCallBenchmarks.Chain", "ChatCallBenchmarks.Direct", 120, 256),
        new("chain happy path, IChatClient, fresh reply", "ChatCallBenchmarks.ChainFresh", "ChatCallBenchmarks.DirectFresh", 120, 256),
        new("chain happy path, SK face (over SK's own stack on the direct backend)", "ChatCallBenchmarks.ChainSk", "ChatCallBenchmarks.SkStack", 120, 256),
        new("chain stream, 2 updates", "StreamingBenchmarks.ChainStream", "StreamingBenchmarks.DirectStream", 400, 512),
        new("chain stream, SK face (over SK's own stack)", "StreamingBenchmarks.ChainSkStream", "StreamingBenchmarks.SkStackStream", 400, 512),
        new("first backend throws (absolute, in-process)", "ChatCallBenchmarks.ChainFirstThrows", null, 2_000, null, Absolute: true),
        new("first's breaker open (over the chain's happy path)", "ChatCallBenchmarks.ChainBreakerOpen", "ChatCallBenchmarks.Chain", 150, null),
        new("first marked down (no stated goal; held to the breaker bar)", "ChatCallBenchmarks.ChainHealthDown", "ChatCallBenchmarks.Chain", 150, null),
    ];

    private static string Method(string key) => key[(key.IndexOf('.') + 1)..];

    public static void Print(IEnumerable<Summary> summaries, bool smoke)
    {
        var rows = new Dictionary<string, Row>(StringComparer.Ordinal);
        string? directory = null;
        foreach (var summary in summaries)
        {
            directory ??= summary.ResultsDirectoryPath;
            foreach (var report in summary.Reports)
            {
                if (report.ResultStatistics is { } stats)
                {
                    rows[report.BenchmarkCase.Descriptor.Type.Name + "." + report.BenchmarkCase.Descriptor.WorkloadMethod.Name] = new Row(stats.Mean, stats.ConfidenceInterval.Margin, report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase));
                }
            }
        }

        if (smoke)
        {
            Console.WriteLine($"// Smoke run: {rows.Count} rows ran; goals are not evaluated on Dry numbers.");
            return;
        }

        var text = new StringBuilder();
        text.AppendLine("| goal | row | baseline | Δ time | time ratio | Δ alloc | limit | met? |");
        text.AppendLine("| --- | --- | --- | ---: | ---: | ---: | --- | --- |");
        foreach (var goal in All)
        {
            if (!rows.TryGetValue(goal.Subject, out var row) || (goal.Baseline is not null && !rows.ContainsKey(goal.Baseline)))
            {
                continue;
            }

            var baseline = goal.Baseline is null ? null : rows[goal.Baseline];
            var dt = row.MeanNs - (baseline?.MeanNs ?? 0);
            long? db = row.Bytes - (baseline?.Bytes ?? 0);
            // BenchmarkDotNet's 99.9 % margins of both rows: a difference within them is not a measurement.
            var margin = Math.Sqrt((row.MarginNs * row.MarginNs) + ((baseline?.MarginNs ?? 0) * (baseline?.MarginNs ?? 0)));
            bool? timeMet = dt + margin <= goal.MaxNs ? true : dt - margin > goal.MaxNs ? false : null;
            var bytesMet = goal.MaxBytes is not { } maxBytes || db <= maxBytes;
            var limit = goal.Absolute ? $"≤ {goal.MaxNs:#,0} ns" : $"≤ +{goal.MaxNs:#,0} ns" + (goal.MaxBytes is { } b ? $", ≤ +{b:#,0} B" : string.Empty);
            var ratio = baseline is null ? "-" : (row.MeanNs / baseline.MeanNs).ToString("0.0", CultureInfo.InvariantCulture) + "×";
            var missed = string.Join(", ", new[] { timeMet == false ? "time" : null, bytesMet ? null : "bytes" }.OfType<string>());
            var verdict = missed.Length > 0 ? $"MISSED ({missed})" : timeMet == true ? "met" : $"time not resolvable here (±{margin:#,0} ns)";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {goal.Name} | {Method(goal.Subject)} | {(goal.Baseline is null ? "-" : Method(goal.Baseline))} | {(goal.Absolute ? $"{dt:#,0} ns" : DeltaColumn.FormatNs(dt))} | {ratio} | {db:+#,0;-#,0;0} B | {limit} | {verdict} |");
        }

        Console.WriteLine();
        Console.WriteLine("// Goals (issue 9), measured in this run:");
        Console.Write(text);
        if (directory is not null)
        {
            File.WriteAllText(Path.Combine(directory, "goals.md"), text.ToString());
        }
    }
}
