using AgentHost.Bench.Reliability;
using AgentHost.Bench.Reliability.Infrastructure;
using AgentHost.Bench.Reliability.Suites;

// dotnet run -c Release --project bench/Reliability -- all|selftest|failures|chaos|soak|badinput [--smoke] [--report FILE]
// (all = selftest, then the four suites.)
// Exit 0 when every suite kept every promise, 1 on any violation, 2 on a usage error.
var suites = new Dictionary<string, Func<SuiteOptions, CancellationToken, Task<Findings>>>(StringComparer.OrdinalIgnoreCase)
{
    ["selftest"] = SelfTest.RunAsync,
    ["failures"] = FailureMatrix.RunAsync,
    ["chaos"] = ChaosSuite.RunAsync,
    ["soak"] = SoakSuite.RunAsync,
    ["badinput"] = BadInputSuite.RunAsync,
};
if (args.Length == 0 || (args[0] != "all" && !suites.ContainsKey(args[0])) || args.Skip(1).Any(a => a is not ("--smoke" or "--report") && !a.EndsWith(".md", StringComparison.Ordinal)))
{
    Console.Error.WriteLine("usage: AgentHost.Reliability all|selftest|failures|chaos|soak|badinput [--smoke] [--report FILE.md]");
    return 2;
}

var smoke = args.Contains("--smoke");
var reportIndex = Array.IndexOf(args, "--report");
var report = reportIndex > 0 && reportIndex + 1 < args.Length ? args[reportIndex + 1] : null;
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
var options = new SuiteOptions(smoke, Console.Out, new ResultsReport());
var chosen = args[0] == "all" ? suites.Keys.ToList() : [args[0]];
var results = new List<Findings>();
var clock = System.Diagnostics.Stopwatch.StartNew();
foreach (var name in chosen)
{
    Console.WriteLine($"== {name}{(smoke ? " (smoke)" : "")} ...");
    var suiteClock = System.Diagnostics.Stopwatch.StartNew();
    Findings findings;
    try
    {
        findings = await suites[name](options, stop.Token);
    }
    catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
    {
        findings = new Findings(name);
        findings.Violation("suite crashed", e.ToString());
    }

    findings.Print(Console.Out);
    options.Report.AddSuite(findings, suiteClock.Elapsed);
    results.Add(findings);
}

var violations = results.Sum(f => f.ViolationCount);
Console.WriteLine($"== reliability{(smoke ? " smoke" : "")}: {results.Count(f => f.ViolationCount == 0)} of {results.Count} suites kept every promise, {violations} violations, {clock.Elapsed.TotalSeconds:0} s");
if (report is not null)
{
    await File.WriteAllTextAsync(report, options.Report.ToMarkdown(smoke, string.Join(' ', args)));
    Console.WriteLine($"   report: {report}");
}

return violations == 0 ? 0 : 1;
