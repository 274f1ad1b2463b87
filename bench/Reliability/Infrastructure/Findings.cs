using System.Collections.Concurrent;

namespace AgentHost.Bench.Reliability.Infrastructure;

/// <summary>
/// What one suite saw: counted outcomes (answers, typed errors, ...) and violations (each with the evidence). A suite
/// passes when it recorded no violation; every violation is printed, the first few of a kind in full.
/// </summary>
internal sealed class Findings(string suite)
{
    private const int PrintedPerKind = 5;
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Kind, string Detail)> _violations = new();

    public string Suite { get; } = suite;

    public int ViolationCount => _violations.Count;

    public IReadOnlyDictionary<string, int> Counts => _counts;

    /// <summary>Counts one outcome of <paramref name="kind"/>.</summary>
    public void Count(string kind, int n = 1) => _counts.AddOrUpdate(kind, n, (_, v) => v + n);

    /// <summary>Records a broken promise (a silent cut, a wrong answer, an untyped error, a crash ...).</summary>
    public void Violation(string kind, string detail)
    {
        _violations.Enqueue((kind, detail));
        Count("violation: " + kind);
    }

    public void Print(TextWriter writer)
    {
        writer.WriteLine($"== {Suite}: {(_violations.IsEmpty ? "PASS" : $"FAIL ({_violations.Count} violations)")}");
        foreach (var (kind, n) in _counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            writer.WriteLine($"   {n,8}  {kind}");
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
