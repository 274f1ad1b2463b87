using System.Globalization;

namespace AgentHost.Bench.Reliability.Infrastructure;

/// <summary>
/// The memory goals (issue 9, DESIGN §4) as verdicts: the host's working set at most 200 MB under load, and flat over a
/// run (growth under 5 % from the median of the first 15 % of the samples to the median of the last 15 %, so one GC's
/// timing does not decide it).
/// </summary>
internal static class MemoryJudge
{
    public const double MaxWorkingSetBytes = 200e6;
    public const double MaxGrowthPercent = 5;

    /// <summary>Start, end (medians of the first and last 15 %), max and growth of a series.</summary>
    internal sealed record Stats(double Start, double End, double Max, double Growth);

    public static Stats Of(IReadOnlyList<double> values)
    {
        var window = Math.Max(1, (int)Math.Round(values.Count * 0.15));
        var start = Median(values.Take(window));
        var end = Median(values.Skip(values.Count - window));
        return new Stats(start, end, values.Max(), start == 0 ? 0 : (end - start) / start * 100);
    }

    /// <summary>The working set at most 200 MB in every sample: a violation when missed; not measured (a violation too) without samples.</summary>
    public static void JudgePeak(Findings findings, string what, IReadOnlyList<double> workingSets)
    {
        var goal = $"{what}: host working set at most {MaxWorkingSetBytes / 1e6:0} MB under load";
        if (workingSets.Count == 0)
        {
            findings.Goal(goal, "no memory samples", GoalVerdict.NotMeasured);
            return;
        }

        var max = workingSets.Max();
        findings.Goal(goal, string.Create(CultureInfo.InvariantCulture, $"peak {max / 1e6:0.0} MB over {workingSets.Count} samples"),
            max <= MaxWorkingSetBytes ? GoalVerdict.Met : GoalVerdict.Missed);
    }

    /// <summary>
    /// Growth under 5 % for <paramref name="series"/> (e.g. working set, heap kept after collections). A smoke run
    /// (<paramref name="judged"/> false: seconds after a short warm-up, still warming) prints it as not measured, not a violation.
    /// </summary>
    public static void JudgeGrowth(Findings findings, string what, string series, IReadOnlyList<double> values, bool judged, int minimumSamples = 4)
    {
        var goal = $"{what}: {series} flat (growth under {MaxGrowthPercent:0} %)";
        if (!judged)
        {
            var measured = values.Count >= 2 ? string.Create(CultureInfo.InvariantCulture, $"{Of(values).Growth:+0.0;-0.0} % (smoke: too short to judge)") : "smoke: too short to judge";
            findings.Goal(goal, measured, GoalVerdict.NotMeasured, enforced: false);
            return;
        }

        if (values.Count < minimumSamples)
        {
            findings.Goal(goal, $"{values.Count} samples (at least {minimumSamples} needed)", GoalVerdict.NotMeasured);
            return;
        }

        var s = Of(values);
        findings.Goal(goal, string.Create(CultureInfo.InvariantCulture, $"{s.Growth:+0.0;-0.0} % ({s.Start / 1e6:0.0} → {s.End / 1e6:0.0} MB, {values.Count} samples)"),
            s.Growth < MaxGrowthPercent ? GoalVerdict.Met : GoalVerdict.Missed);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
