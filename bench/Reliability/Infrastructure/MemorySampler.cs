using System.Diagnostics;

namespace AgentHost.Bench.Reliability.Infrastructure;

/// <summary>One sample of the host's memory.</summary>
/// <param name="At">Time since sampling began.</param>
/// <param name="WorkingSet">Resident set (VmRSS), bytes.</param>
/// <param name="ManagedHeap">The GC heap size the runtime reports (EventPipe <c>gc-heap-size</c>), bytes; null without counters.</param>
/// <param name="Retained">What the heap kept after the last collection (<see cref="RuntimeCounters.RetainedBytes"/>), bytes; null without counters.</param>
internal sealed record MemorySample(TimeSpan At, long WorkingSet, long? ManagedHeap, long? Retained = null);

/// <summary>Samples the <c>serve</c> process's working set (and, with <see cref="RuntimeCounters"/>, its managed heap) at an interval.</summary>
internal sealed class MemorySampler(HostServer host, RuntimeCounters? counters)
{
    private readonly List<MemorySample> _samples = [];

    public IReadOnlyList<MemorySample> Samples { get { lock (_samples) { return [.. _samples]; } } }

    public long First => Samples.FirstOrDefault()?.WorkingSet ?? 0;

    public long Last => Samples.LastOrDefault()?.WorkingSet ?? 0;

    public long Max => Samples.Count == 0 ? 0 : Samples.Max(s => s.WorkingSet);

    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!cancellationToken.IsCancellationRequested && !host.HasExited)
        {
            try
            {
                var sample = new MemorySample(clock.Elapsed, host.WorkingSetBytes(), counters?.GcHeapBytes, counters?.RetainedBytes);
                lock (_samples)
                {
                    _samples.Add(sample);
                }

                await Task.Delay(interval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
            catch (IOException)
            {
                return; // the process is gone
            }
        }
    }
}
