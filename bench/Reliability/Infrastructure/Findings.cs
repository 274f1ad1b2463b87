using System.Collections.Concurrent;

namespace AgentHost.Bench.Reliability.Infrastructure;

/// <summary>How a suite's goal came out.</summary>
internal enum GoalVerdict
{
    Met,
    Missed,
    NotMeasured,
}

/// <summary>One goal a suite judged: what it asks, what was measured, the verdict, and whether a miss fails the run.</summary>
internal sealed record GoalResult(string Goal, string Measured, GoalVerdict Verdict, bool Enforced)
{
    public string VerdictText => Verdict switch
    {
        GoalVerdict.Met => "met",
        GoalVerdict.Missed => Enforced ? "MISSED" : "missed (reported, not enforced here)",
        _ => Enforced ? "NOT MEASURED" : "not measured (not judged here)",
    };
}

/// <summary>
/// What one suite saw: counted outcomes (answers, typed errors, ...), the goals it judged (met / missed / not measured)
/// and violations (each with the evidence). A suite passes when it recorded no violation; an enforced goal that is
/// missed or not measured is a violation too. Every violation is printed, the first few of a kind in full.
/// </summary>
internal sealed class Findings(string suite)
{
    private const int PrintedPerKind = 5;
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Kind, string Detail)> _violations = new();
    private readonly ConcurrentQueue<GoalResult> _goals = new();

    public string Suite { get; } = suite;

    public int ViolationCount => _violations.Count;

    public IReadOnlyDictionary<string, int> Counts => _counts;

    public IReadOnlyList<GoalResult> Goals => [.. _goals];

    public IEnumerable<string> ViolationKinds => _violations.Select(v => v.Kind).Distinct();

    /// <summary>Counts one outcome of <paramref name="kind"/>.</summary>
    public void Count(string kind, int n = 1) => _counts.AddOrUpdate(kind, n, (_, v) => v + n);

    /// <summary>Records a broken promise (a silent cut, a wrong answer, an untyped error, a crash ...).</summary>
    public void Violation(string kind, string detail)
    {
        _violations.Enqueue((kind, detail));
        Count("violation: " + kind);
    }

    /// <summary>
    /// Records a goal's verdict. When <paramref name="enforced"/>, a miss (or a goal that could not be measured) is a
    /// violation named after the goal; otherwise it is printed and reported only.
    /// </summary>
    public void Goal(string goal, string measured, GoalVerdict verdict, bool enforced = true)
    {
        _goals.Enqueue(new GoalResult(goal, measured, verdict, enforced));
        if (enforced && verdict != GoalVerdict.Met)
        {
            Violation(verdict == GoalVerdict.Missed ? $"goal missed: {goal}" : $"goal not measured: {goal}", measured);
        }
    }

    public void Print(TextWriter writer)
    {
        writer.WriteLine($"== {Suite}: {(_violations.IsEmpty ? "PASS" : $"FAIL ({_violations.Count} violations)")}");
        foreach (var (kind, n) in _counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            writer.WriteLine($"   {n,8}  {kind}");
        }

        foreach (var goal in _goals)
        {
            writer.WriteLine($"   GOAL {goal.Goal}: {goal.Measured} → {goal.VerdictText}");
        }

        foreach (var group in _violations.GroupBy(v => v.Kind))
        {
            var all = group.ToList();
            writer.WriteLine($"   VIOLATION {group.Key} ×{all.Count}");
            foreach (var (_, detail) in all.Take(PrintedPerKind))
            {
                writer.WriteLine($"     - {OneLine(detail)}");
            }
        }
    }

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ⏎ ");
        return line.Length <= 600 ? line : line[..600] + "…";
    }
}
