using System.Globalization;
using System.Text;
using BenchmarkDotNet.Reports;

namespace AgentHost.Fallback.Benchmarks;

/// <summary>
/// Checks the issue's goals against the rows of this run (ratios and differences within the same run, never against
/// other machines). Every goal gets a verdict; with <c>--strict</c> the command exits 1 unless every one is met.
/// </summary>
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

    /// <summary>How a goal came out in this run. Not measured: its row or baseline did not run, a smoke run, or a time difference within the noise.</summary>
    internal enum Verdict
    {
        Met,
        Missed,
        NotMeasured,
    }

    /// <summary>
    /// Prints every goal with its verdict (met / missed / not measured: a goal whose row did not run is listed, never
    /// dropped) and writes <c>goals.md</c>. Returns how many goals were not met (missed or not measured).
    /// </summary>
    public static int Print(IEnumerable<Summary> summaries, bool smoke)
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

        var text = new StringBuilder();
        text.AppendLine("| goal | row | baseline | Δ time | time ratio | Δ alloc | limit | verdict |");
        text.AppendLine("| --- | --- | --- | ---: | ---: | ---: | --- | --- |");
        var notMet = 0;
        foreach (var goal in All)
        {
            var (verdict, why, line) = Judge(goal, rows, smoke);
            notMet += verdict == Verdict.Met ? 0 : 1;
            text.AppendLine(line + (verdict switch { Verdict.Met => "met", Verdict.Missed => $"**missed** ({why})", _ => $"not measured ({why})" }) + " |");
        }

        Console.WriteLine();
        Console.WriteLine(smoke
            ? $"// Smoke run: {rows.Count} rows ran; the goals are listed, none measured (Dry numbers are one invocation each):"
            : "// Goals (issue 9), measured in this run:");
        Console.Write(text);
        Console.WriteLine($"// {All.Length - notMet} of {All.Length} goals met, {notMet} missed or not measured.");
        if (directory is not null)
        {
            File.WriteAllText(Path.Combine(directory, "goals.md"), text.ToString());
        }

        return notMet;
    }

    /// <summary>One goal against this run's rows: the verdict, why (when not met), and its table row up to the verdict column.</summary>
    private static (Verdict Verdict, string Why, string Line) Judge(Goal goal, Dictionary<string, Row> rows, bool smoke)
    {
        var limit = goal.Absolute ? $"≤ {goal.MaxNs:#,0} ns" : $"≤ +{goal.MaxNs:#,0} ns" + (goal.MaxBytes is { } b ? $", ≤ +{b:#,0} B" : string.Empty);
        var prefix = $"| {goal.Name} | {Method(goal.Subject)} | {(goal.Baseline is null ? "-" : Method(goal.Baseline))} | ";
        var missing = new[] { goal.Subject, goal.Baseline }.OfType<string>().Where(r => !rows.ContainsKey(r)).ToList();
        if (missing.Count > 0)
        {
            return (Verdict.NotMeasured, $"{string.Join(" and ", missing.Select(Method))} did not run", prefix + $"- | - | - | {limit} | ");
        }

        var row = rows[goal.Subject];
        var baseline = goal.Baseline is null ? null : rows[goal.Baseline];
        var dt = row.MeanNs - (baseline?.MeanNs ?? 0);
        long? db = row.Bytes - (baseline?.Bytes ?? 0);
        var ratio = baseline is null ? "-" : (row.MeanNs / baseline.MeanNs).ToString("0.0", CultureInfo.InvariantCulture) + "×";
        var line = prefix + string.Create(CultureInfo.InvariantCulture,
            $"{(goal.Absolute ? $"{dt:#,0} ns" : DeltaColumn.FormatNs(dt))} | {ratio} | {db:+#,0;-#,0;0} B | {limit} | ");
        if (smoke)
        {
            return (Verdict.NotMeasured, "smoke: Dry numbers", line);
        }

        // BenchmarkDotNet's 99.9 % margins of both rows: a difference within them is not a measurement.
        var margin = Math.Sqrt((row.MarginNs * row.MarginNs) + ((baseline?.MarginNs ?? 0) * (baseline?.MarginNs ?? 0)));
        bool? timeMet = dt + margin <= goal.MaxNs ? true : dt - margin > goal.MaxNs ? false : null;
        var bytesMet = goal.MaxBytes is not { } maxBytes || db <= maxBytes;
        var missed = string.Join(", ", new[] { timeMet == false ? "time" : null, bytesMet ? null : "bytes" }.OfType<string>());
        return missed.Length > 0 ? (Verdict.Missed, missed, line)
            : timeMet == true ? (Verdict.Met, "", line)
            : (Verdict.NotMeasured, string.Create(CultureInfo.InvariantCulture, $"time not resolvable here: ±{margin:#,0} ns"), line);
    }
}
