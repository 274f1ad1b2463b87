using System.Diagnostics;
using System.Text;
using AgentHost.Bench.Reliability.Infrastructure;

namespace AgentHost.Bench.Reliability.Suites;

/// <summary>
/// Soak: <c>serve</c> with the shipped order under a steady load (32 callers, about 400 calls/s, plain and streamed)
/// with a short 503 spell on one backend every 10 s (so failover paths run too), for 3 minutes after a 20 s warm-up.
/// Memory is sampled every 2 s: the working set from /proc and the managed heap from the runtime's own counters
/// (EventPipe). Reported: start, end and max of both, and growth from the first to the last 15 % of the soak
/// (medians, so one GC's timing does not decide it). Goals, each a violation when missed: working set at most
/// 200 MB; growth under 5 % (working set, and the heap kept after collections; full runs only: a smoke run is seconds
/// after a one-second warm-up); with two backends serving at every moment, at most 0.1 % "no backend answered".
/// </summary>
internal static class SoakSuite
{
    private const int Callers = 32;
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(80);

    public static async Task<Findings> RunAsync(SuiteOptions options, CancellationToken cancellationToken)
    {
        var findings = new Findings("soak");
        var warmup = options.Smoke ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(20);
        var soak = options.Smoke ? TimeSpan.FromSeconds(10) : TimeSpan.FromMinutes(3); // smoke: enough 1 s samples after the counters start reporting
        var interval = options.Smoke ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(2);
        await using var emulators = await EmulatorSet.StartAsync();
        var config = HostConfig.For(emulators)
            .Resilience(attemptTimeout: TimeSpan.FromSeconds(2), retryDelay: TimeSpan.FromMilliseconds(50))
            .Probe(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500));
        await using var host = await HostServer.StartAsync(config.Environment, cancellationToken);
        using var client = new GatewayClient(host.BaseAddress, TimeSpan.FromSeconds(30));
        if (!HealthWait.Require(findings, await host.WaitHealthyAsync(client.Http, EmulatorSet.Names, TimeSpan.FromSeconds(10), cancellationToken),
                "soak: not every backend healthy within 10 s of the start"))
        {
            return findings;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timeline = new FaultTimeline(EmulatorSet.Names);
        var availability = new Availability("soak");
        var calls = 0;
        var callers = Enumerable.Range(0, Callers).Select(c => Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var next = Task.Delay(Pace, CancellationToken.None);
                var text = $"soak {Guid.NewGuid():N}";
                var start = Stopwatch.GetTimestamp();
                var outcome = await client.ChatAsync(text, stream: n++ % 3 == 0, CancellationToken.None);
                AnswerCheck.Record(findings, outcome, text, "soak");
                var end = Availability.Of(outcome);
                availability.Record(end, timeline.AnyServedThroughout(EmulatorSet.Names, start, Stopwatch.GetTimestamp()),
                    end == CallEnd.NoBackendAnswered ? Availability.Why(outcome.Detail, EmulatorSet.Names) : null);
                Interlocked.Increment(ref calls);
                await next;
            }
        }, CancellationToken.None)).ToList();
        var spells = Task.Run(() => SpellsAsync(emulators, timeline, stop.Token), CancellationToken.None);

        options.Out.WriteLine($"   soak: warming up {warmup.TotalSeconds:0} s, then {soak.TotalSeconds:0} s sampled every {interval.TotalSeconds:0} s");
        await Task.Delay(warmup, cancellationToken);
        var warmCalls = Volatile.Read(ref calls);
        using var counters = RuntimeCounters.Start(host.ProcessId, (int)interval.TotalSeconds);
        var sampler = new MemorySampler(host, counters);
        using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampling = sampler.RunAsync(interval, stopSampling.Token);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < soak - TimeSpan.FromMilliseconds(50))
        {
            var left = soak - clock.Elapsed;
            await Task.Delay(left < TimeSpan.FromSeconds(30) ? left : TimeSpan.FromSeconds(30), cancellationToken);
            var last = sampler.Samples.LastOrDefault();
            options.Out.WriteLine($"   soak: {clock.Elapsed.TotalSeconds:0} s, {Volatile.Read(ref calls) - warmCalls} calls, working set {last?.WorkingSet / 1e6:0} MB, managed heap {last?.ManagedHeap / 1e6:0} MB, kept {last?.Retained / 1e6:0.0} MB");
        }

        await stopSampling.CancelAsync();
        await sampling;
        var soakCalls = Volatile.Read(ref calls) - warmCalls;
        await stop.CancelAsync();
        await Task.WhenAll(callers);
        await spells;
        if (host.HasExited)
        {
            findings.Violation("host exited", host.Tail(20));
        }

        availability.Judge(findings, enforced: !options.Smoke || Availability.EnforcedInSmoke, minimumCovered: 1);
        var all = sampler.Samples;
        MemoryJudge.JudgePeak(findings, "soak", [.. all.Select(s => (double)s.WorkingSet)]);
        var samples = all.Where(s => s.ManagedHeap is not null && s.Retained is not null).ToList();
        if (samples.Count < 4)
        {
            findings.Violation("no memory samples", $"{samples.Count} samples with a managed heap reading (EventPipe counters did not report)");
            return findings;
        }

        var ws = MemoryJudge.Of([.. samples.Select(s => (double)s.WorkingSet)]);
        var heap = MemoryJudge.Of([.. samples.Select(s => (double)s.ManagedHeap!.Value)]);
        var retained = MemoryJudge.Of([.. samples.Select(s => (double)s.Retained!.Value)]);
        MemoryJudge.JudgeGrowth(findings, "soak", "working set", [.. samples.Select(s => (double)s.WorkingSet)], judged: !options.Smoke);
        MemoryJudge.JudgeGrowth(findings, "soak", "managed heap kept after collections", [.. samples.Select(s => (double)s.Retained!.Value)], judged: !options.Smoke);
        string Verdict(bool met) => options.Smoke ? "not judged (smoke)" : met ? "met" : "**missed**";
        var md = new StringBuilder();
        md.AppendLine($"{soakCalls} calls in {clock.Elapsed.TotalSeconds:0} s ({soakCalls / clock.Elapsed.TotalSeconds:0}/s, {Callers} callers) after a {warmup.TotalSeconds:0} s warm-up; {samples.Count} samples every {interval.TotalSeconds:0} s; gen-2 collections during the soak: {counters.Gen2Collections}.");
        md.AppendLine();
        md.AppendLine($"No backend answered (two backends serving at every moment): {availability.Summary()}.");
        md.AppendLine();
        md.AppendLine("| memory of `serve` | start | end | max | growth (median of first vs last 15 %) | goal |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | --- |");
        md.AppendLine($"| working set | {ws.Start / 1e6:0.0} MB | {ws.End / 1e6:0.0} MB | {ws.Max / 1e6:0.0} MB | {ws.Growth:+0.0;-0.0} % | ≤ 200 MB: {(ws.Max <= MemoryJudge.MaxWorkingSetBytes ? "met" : "**missed**")}; < 5 % growth: {Verdict(ws.Growth < MemoryJudge.MaxGrowthPercent)} |");
        md.AppendLine($"| managed heap (gc-heap-size, with gen 0's churn) | {heap.Start / 1e6:0.0} MB | {heap.End / 1e6:0.0} MB | {heap.Max / 1e6:0.0} MB | {heap.Growth:+0.0;-0.0} % | (not judged: gen 0 comes and goes) |");
        md.AppendLine($"| managed heap kept after collections (gen 1 + gen 2 + LOH + POH) | {retained.Start / 1e6:0.0} MB | {retained.End / 1e6:0.0} MB | {retained.Max / 1e6:0.0} MB | {retained.Growth:+0.0;-0.0} % | < 5 % growth: {Verdict(retained.Growth < MemoryJudge.MaxGrowthPercent)} |");
        md.AppendLine();
        md.AppendLine("Samples (every " + Math.Max(1, samples.Count / 12) + "th): " + string.Join(", ",
            samples.Where((_, i) => i % Math.Max(1, samples.Count / 12) == 0).Select(s => $"{s.At.TotalSeconds:0} s {s.WorkingSet / 1e6:0}/{s.ManagedHeap / 1e6:0}/{s.Retained / 1e6:0.0} MB")) + " (working set / heap / kept).");
        options.Out.Write("   " + md.ToString().Replace("\n", "\n   ", StringComparison.Ordinal));
        options.Out.WriteLine();
        options.Report.AddSection("Soak", md.ToString());
        findings.Count("soak calls", soakCalls);
        return findings;
    }

    /// <summary>Every 10 s one backend (in turn) answers 503 for 3 s.</summary>
    private static async Task SpellsAsync(EmulatorSet emulators, FaultTimeline timeline, CancellationToken cancellationToken)
    {
        var turn = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(7), cancellationToken);
                var backend = EmulatorSet.Names[turn++ % EmulatorSet.Names.Count];
                timeline.Set(backend, serving: false);
                emulators[backend].Faults.StatusCode = 503;
                await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
                emulators.Reset(backend);
                timeline.Set(backend, serving: true);
            }
        }
        catch (OperationCanceledException)
        {
        }

        await emulators.ResetAllAsync();
    }
}
