using System.Diagnostics;
using System.Globalization;
using AgentHost.Fallback.Benchmarks.Backends;
using AgentHost.Fallback.Benchmarks.Benchmarks;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Fallback.Benchmarks.Profiling;

/// <summary>
/// <c>--alloc-profile</c>: for each scenario, the bytes allocated per call on every thread, the thread-pool work items
/// it queues, the exceptions thrown (first-chance, rethrows included), and which types the bytes go to (the runtime's
/// GC AllocationTick events, one sample per ~100 KB, read in process by an <see cref="System.Diagnostics.Tracing.EventListener"/>).
/// It tells WHAT allocates and how often a call leaves its thread; BenchmarkDotNet's table tells how long it takes.
/// </summary>
internal static class AllocationProfile
{
    private sealed record Scenario(string Name, Func<ValueTask> Call);

    public static async Task<int> RunAsync(int calls)
    {
        var happy = ChainFixture.Create(FirstBackend.Answers);
        var fresh = ChainFixture.Create(FirstBackend.Answers, InMemoryBehavior.Fresh);
        var throws = ChainFixture.Create(FirstBackend.Throws);
        var breakerOpen = ChainFixture.Create(FirstBackend.BreakerOpen);
        var healthDown = ChainFixture.Create(FirstBackend.HealthDown);
        var meai = Faces.MeaiFailover(happy);
        var meaiThrows = Faces.MeaiFailover(throws);
        var skStack = Faces.SkStack(happy);
        var history = Faces.NewHistory();

        Scenario[] scenarios =
        [
            new("direct backend", () => Ask(happy.Primary)),
            new("MEAI failover", () => Ask(meai)),
            new("chain, IChatClient", () => Ask(happy.Chain)),
            new("direct backend, fresh reply", () => Ask(fresh.Primary)),
            new("chain, fresh reply", () => Ask(fresh.Chain)),
            new("SK function invocation + adapter (direct)", () => Ask(skStack, history)),
            new("chain, SK face", () => Ask(happy.ChainSk, history)),
            new("MEAI failover, first throws", () => Ask(meaiThrows)),
            new("chain, first throws", () => Ask(throws.Chain)),
            new("chain, first's breaker open", () => Ask(breakerOpen.Chain)),
            new("chain, first marked down", () => Ask(healthDown.Chain)),
            new("direct backend, stream", () => Stream(happy.Primary)),
            new("MEAI failover, stream", () => Stream(meai)),
            new("chain, stream", () => Stream(happy.Chain)),
        ];

        Console.WriteLine($"// {calls:#,0} calls per scenario after 2,000 warm-up calls; Release={IsOptimized()}; {Environment.ProcessorCount} cores");
        Console.WriteLine("| scenario | ~ns/call (wall) | B/call (all threads) | work items/call | throws/call | unobserved task exceptions/call | where the bytes go (share of sampled bytes, ≈B/call) |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
        var details = new List<string>();
        foreach (var scenario in scenarios)
        {
            var (row, detail) = await MeasureAsync(scenario, calls);
            Console.WriteLine(row);
            details.Add(detail);
        }

        Console.WriteLine();
        Console.WriteLine("// Detail: every type with at least 1 % of the sampled bytes, and where each first-chance exception of one call is thrown.");
        foreach (var detail in details)
        {
            Console.WriteLine(detail);
        }

        foreach (var fixture in new[] { happy, fresh, throws, breakerOpen, healthDown })
        {
            fixture.Dispose();
        }

        return 0;
    }

    private static async Task<(string Row, string Detail)> MeasureAsync(Scenario scenario, int calls)
    {
        for (var i = 0; i < 2_000; i++)
        {
            await scenario.Call();
        }

        // Plain measurement first, without the listener.
        var throws = 0L;
        var counting = false;
        void OnThrow(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (Volatile.Read(ref counting))
            {
                Interlocked.Increment(ref throws);
            }
        }

        var unobserved = 0L;
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            Interlocked.Increment(ref unobserved);
            e.SetObserved();
        }

        AppDomain.CurrentDomain.FirstChanceException += OnThrow;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        TaskScheduler.UnobservedTaskException += OnUnobserved;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var bytes = GC.GetTotalAllocatedBytes(precise: true);
        var items = ThreadPool.CompletedWorkItemCount;
        Volatile.Write(ref counting, true);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            await scenario.Call();
        }

        clock.Stop();
        Volatile.Write(ref counting, false);
        var perCallBytes = (GC.GetTotalAllocatedBytes(precise: true) - bytes) / (double)calls;
        var perCallItems = (ThreadPool.CompletedWorkItemCount - items) / (double)calls;
        AppDomain.CurrentDomain.FirstChanceException -= OnThrow;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        TaskScheduler.UnobservedTaskException -= OnUnobserved;

        // Then where the bytes go: enough calls for a few thousand ~100 KB samples.
        var sampledCalls = perCallBytes <= 0 ? 0 : (int)Math.Clamp(400_000_000 / perCallBytes, 20_000, 2_000_000);
        var types = new List<(string Type, double Share)>();
        if (sampledCalls > 0)
        {
            using var listener = new AllocationTickListener();
            for (var i = 0; i < sampledCalls; i++)
            {
                await scenario.Call();
            }

            types = listener.Shares();
        }

        var where = string.Join("; ", types.Where(t => t.Share >= 0.03).Take(8)
            .Select(t => string.Create(CultureInfo.InvariantCulture, $"{Short(t.Type)} {t.Share:P0} ≈{t.Share * perCallBytes:#,0}")));
        var detail = new System.Text.StringBuilder();
        detail.AppendLine(CultureInfo.InvariantCulture, $"### {scenario.Name}: {perCallBytes:#,0} B/call");
        foreach (var (type, share) in types.Where(t => t.Share >= 0.01))
        {
            detail.AppendLine(CultureInfo.InvariantCulture, $"- {share,4:P0} ≈{share * perCallBytes,5:#,0} B  {Short(type)}");
        }

        if (throws > 0)
        {
            foreach (var site in await ThrowSitesAsync(scenario))
            {
                detail.AppendLine("- throw: " + site);
            }
        }

        var row = string.Create(CultureInfo.InvariantCulture,
            $"| {scenario.Name} | {clock.Elapsed.TotalNanoseconds / calls:#,0} | {perCallBytes:#,0} | {perCallItems:0.##} | {throws / (double)calls:0.##} | {unobserved / (double)calls:0.##} | {(where.Length == 0 ? "-" : where)} |");
        return (row, detail.ToString());
    }

    /// <summary>Each first-chance exception of one call: its type and the innermost frames of ours, Polly's or MEAI's that threw it.</summary>
    private static async Task<List<string>> ThrowSitesAsync(Scenario scenario)
    {
        var sites = new List<string>();
        var recording = true;
        void OnThrow(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (!Volatile.Read(ref recording))
            {
                return;
            }

            var frames = new StackTrace(1, false).GetFrames()
                .Select(f => f.GetMethod())
                .Where(m => m?.DeclaringType?.FullName is { } n && (n.StartsWith("AgentHost.Fallback", StringComparison.Ordinal) && !n.Contains(".Benchmarks", StringComparison.Ordinal)
                    || n.StartsWith("Polly", StringComparison.Ordinal) || n.StartsWith("Microsoft.Extensions.AI", StringComparison.Ordinal)))
                .Select(m => MethodName(m!))
                .Distinct()
                .Take(3);
            lock (sites)
            {
                sites.Add($"{e.Exception.GetType().Name} at {string.Join(" < ", frames)}");
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += OnThrow;
        try
        {
            await scenario.Call();
        }
        finally
        {
            Volatile.Write(ref recording, false);
            AppDomain.CurrentDomain.FirstChanceException -= OnThrow;
        }

        lock (sites)
        {
            return [.. sites];
        }
    }

    private static string MethodName(System.Reflection.MethodBase method)
    {
        var type = method.DeclaringType!;
        // An async state machine's MoveNext: name the method it belongs to.
        if (method.Name == "MoveNext" && type.Name.StartsWith('<') && type.DeclaringType is { } owner)
        {
            return $"{owner.Name}.{type.Name[1..type.Name.IndexOf('>')]}";
        }

        return $"{type.Name}.{method.Name}";
    }

    private static string Short(string type) => type
        .Replace("System.Runtime.CompilerServices.AsyncTaskMethodBuilder`1+", string.Empty, StringComparison.Ordinal)
        .Replace("System.Threading.Tasks.", string.Empty, StringComparison.Ordinal)
        .Replace("System.Collections.Generic.", string.Empty, StringComparison.Ordinal)
        .Replace("Microsoft.Extensions.AI.", string.Empty, StringComparison.Ordinal)
        .Replace("AgentHost.Fallback.", string.Empty, StringComparison.Ordinal);

    private static async ValueTask Ask(IChatClient client) => await client.GetResponseAsync(ChainFixture.Messages).ConfigureAwait(false);

    private static async ValueTask Ask(IChatCompletionService service, ChatHistory history) =>
        await service.GetChatMessageContentsAsync(history).ConfigureAwait(false);

    private static async ValueTask Stream(IChatClient client)
    {
        await foreach (var update in client.GetStreamingResponseAsync(ChainFixture.Messages).ConfigureAwait(false))
        {
            _ = update;
        }
    }

    private static bool IsOptimized() =>
        typeof(AllocationProfile).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false) is not [DebuggableAttribute { IsJITOptimizerDisabled: true }];
}
