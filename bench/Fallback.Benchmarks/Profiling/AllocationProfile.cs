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
        Console.WriteLine("| scenario | ~ns/call (wall) | B/call (all threads) | work items/call | throws/call | where the bytes go (share of sampled bytes, ≈B/call) |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | --- |");
        foreach (var scenario in scenarios)
        {
            Console.WriteLine(await MeasureAsync(scenario, calls));
        }

        foreach (var fixture in new[] { happy, fresh, throws, breakerOpen, healthDown })
        {
            fixture.Dispose();
        }

        return 0;
    }

    private static async Task<string> MeasureAsync(Scenario scenario, int calls)
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

        AppDomain.CurrentDomain.FirstChanceException += OnThrow;
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
            .Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Type} {t.Share:P0} ≈{t.Share * perCallBytes:#,0}")));
        return string.Create(CultureInfo.InvariantCulture,
            $"| {scenario.Name} | {clock.Elapsed.TotalNanoseconds / calls:#,0} | {perCallBytes:#,0} | {perCallItems:0.##} | {throws / (double)calls:0.##} | {(where.Length == 0 ? "-" : where)} |");
    }

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
