using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using Perfolizer.Metrology;

namespace AgentHost.Fallback.Benchmarks;

/// <summary>
/// The run configuration. Measured runs: 1 launch, 5 warm-ups, 15 iterations of ~250 ms each, in process (no nested
/// <c>dotnet build</c> of the shared projects, see RESULTS.md). Smoke (<c>--smoke</c>): BenchmarkDotNet's Dry job,
/// one invocation per benchmark, seconds in all: it proves every row still runs and every setup check passes.
/// </summary>
internal static class BenchConfig
{
    public static IConfig Create(bool smoke, bool outOfProcess)
    {
        var job = smoke
            ? Job.Dry.WithId("Smoke")
            : Job.Default.WithId("Measure").WithLaunchCount(1).WithWarmupCount(5).WithIterationCount(15)
                .WithIterationTime(TimeInterval.FromMilliseconds(250));
        if (!outOfProcess)
        {
            job = job.WithToolchain(InProcessEmitToolchain.Instance);
        }

        return ManualConfig.CreateEmpty()
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub, CsvExporter.Default)
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default, new ThreadingDiagnoser(new ThreadingDiagnoserConfig(displayLockContentionWhenZero: false, displayCompletedWorkItemCountWhenZero: true)))
            .AddColumn(new DeltaColumn(allocation: false), new DeltaColumn(allocation: true))
            .AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory)
            .WithOrderer(new DefaultOrderer(SummaryOrderPolicy.Declared, MethodOrderPolicy.Declared))
            .WithSummaryStyle(SummaryStyle.Default.WithTimeUnit(TimeUnit.Nanosecond).WithSizeUnit(SizeUnit.B))
            .WithOptions(smoke ? ConfigOptions.DisableOptimizationsValidator : ConfigOptions.Default);
    }
}

/// <summary>The difference to the category's baseline, mean time or allocated bytes per operation (the goals are stated that way).</summary>
internal sealed class DeltaColumn(bool allocation) : IColumn
{
    public string Id => allocation ? "DeltaAllocated" : "DeltaMean";

    public string ColumnName => allocation ? "Δ Alloc" : "Δ Mean";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => allocation ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => allocation ? "Allocated per operation minus the baseline's" : "Mean minus the baseline's mean";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var baseline = summary.GetBaseline(summary.GetLogicalGroupKey(benchmarkCase));
        if (baseline is null)
        {
            return "-";
        }

        if (allocation)
        {
            var mine = Measurements.Allocated(summary, benchmarkCase);
            var theirs = Measurements.Allocated(summary, baseline);
            return mine is { } m && theirs is { } t ? $"{m - t:+#,0;-#,0;0} B" : "?";
        }

        var mean = Measurements.MeanNs(summary, benchmarkCase);
        var baseMean = Measurements.MeanNs(summary, baseline);
        return mean is { } a && baseMean is { } b ? FormatNs(a - b) : "?";
    }

    public static string FormatNs(double ns) => Math.Abs(ns) >= 10_000 ? $"{ns / 1000:+#,0.0;-#,0.0} µs" : $"{ns:+#,0.0;-#,0.0} ns";
}

/// <summary>Reading one row's numbers out of a summary.</summary>
internal static class Measurements
{
    public static double? MeanNs(Summary summary, BenchmarkCase benchmarkCase) => summary[benchmarkCase]?.ResultStatistics?.Mean;

    public static long? Allocated(Summary summary, BenchmarkCase benchmarkCase) =>
        summary[benchmarkCase] is { } report ? report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase) : null;
}
