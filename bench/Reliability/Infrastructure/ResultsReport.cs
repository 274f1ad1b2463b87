using System.Text;

namespace AgentHost.Bench.Reliability.Infrastructure;

/// <summary>The Markdown the run writes with <c>--report</c>: each suite's verdict and counts, and the tables suites add (bench/RESULTS.md).</summary>
internal sealed class ResultsReport
{
    private readonly List<(string Title, string Body)> _sections = [];
    private readonly List<(Findings Findings, TimeSpan Elapsed)> _suites = [];

    public void AddSection(string title, string markdown)
    {
        lock (_sections)
        {
            _sections.Add((title, markdown));
        }
    }

    public void AddSuite(Findings findings, TimeSpan elapsed) => _suites.Add((findings, elapsed));

    public string ToMarkdown(bool smoke, string command)
    {
        var md = new StringBuilder();
        md.AppendLine($"Command: `dotnet run -c Release --project bench/Reliability -- {command}`{(smoke ? " (smoke)" : "")}; machine: {Environment.ProcessorCount} cores; load average at the end: {LoadAverage()}.");
        md.AppendLine();
        md.AppendLine("| suite | verdict | time | outcomes |");
        md.AppendLine("| --- | --- | ---: | --- |");
        foreach (var (f, elapsed) in _suites)
        {
            var counts = string.Join("; ", f.Counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}: {c.Value}"));
            md.AppendLine($"| {f.Suite} | {(f.ViolationCount == 0 ? "kept every promise" : $"**{f.ViolationCount} violations**")} | {elapsed.TotalSeconds:0} s | {counts} |");
        }

        var goals = _suites.SelectMany(s => s.Findings.Goals).ToList();
        if (goals.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("| goal | measured | verdict |");
            md.AppendLine("| --- | --- | --- |");
            foreach (var g in goals)
            {
                md.AppendLine($"| {g.Goal.Replace("|", "\\|", StringComparison.Ordinal)} | {g.Measured.Replace("|", "\\|", StringComparison.Ordinal)} | {g.VerdictText} |");
            }
        }

        foreach (var (title, body) in _sections)
        {
            md.AppendLine();
            md.AppendLine($"#### {title}");
            md.AppendLine();
            md.AppendLine(body.TrimEnd());
        }

        return md.ToString();
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
