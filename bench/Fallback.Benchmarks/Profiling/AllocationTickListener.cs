using System.Diagnostics.Tracing;
using System.Runtime.InteropServices;

namespace AgentHost.Fallback.Benchmarks.Profiling;

/// <summary>
/// Sums the runtime's GCAllocationTick events (one per ~100 KB allocated, naming the type whose allocation crossed the
/// mark) by type: over many calls, each type's share of the samples is its share of the bytes. Allocations made by the
/// listener's own dispatch thread are left out.
/// </summary>
internal sealed class AllocationTickListener : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly Dictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _dispatchThread = -1;
    private bool _ready;

    public AllocationTickListener() => _ready = true;

    public List<(string Type, double Share)> Shares()
    {
        lock (_lock)
        {
            double total = _bytes.Values.Sum();
            return [.. _bytes.OrderByDescending(kv => kv.Value).Select(kv => (kv.Key, total == 0 ? 0 : kv.Value / total))];
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_ready || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null)
        {
            return;
        }

        if (_dispatchThread == -1)
        {
            _dispatchThread = CurrentOsThread();
        }

        if (eventData.OSThreadId == _dispatchThread)
        {
            return;
        }

        var names = eventData.PayloadNames!;
        var type = names.IndexOf("TypeName") is var t and >= 0 ? eventData.Payload[t] as string ?? "?" : "?";
        var amount = names.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(eventData.Payload[a]) : 100_000;
        lock (_lock)
        {
            _bytes[type] = _bytes.GetValueOrDefault(type) + amount;
        }
    }

    private static long CurrentOsThread()
    {
        try
        {
            return gettid();
        }
        catch (Exception)
        {
            return -2;
        }
    }

    [DllImport("libc")]
    private static extern int gettid();
}
