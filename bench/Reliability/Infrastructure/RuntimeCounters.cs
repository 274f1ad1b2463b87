using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace AgentHost.Bench.Reliability.Infrastructure;

/// <summary>
/// Reads another .NET process's <c>System.Runtime</c> event counters over EventPipe (what <c>dotnet-counters</c> shows):
/// the GC heap size and the allocation rate, refreshed every <c>intervalSeconds</c>.
/// </summary>
internal sealed class RuntimeCounters : IDisposable
{
    private readonly EventPipeSession _session;
    private readonly EventPipeEventSource _source;
    private readonly Task _processing;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _sizes = new(StringComparer.Ordinal);
    private long _gcHeapBytes = -1;
    private long _gen2Count;

    private RuntimeCounters(EventPipeSession session)
    {
        _session = session;
        _source = new EventPipeEventSource(session.EventStream);
        _source.Dynamic.All += OnEvent;
        _processing = Task.Run(() =>
        {
            try
            {
                _source.Process();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or EndOfStreamException)
            {
            }
        });
    }

    /// <summary>The last reported GC heap size, bytes (null until the first report).</summary>
    public long? GcHeapBytes => Interlocked.Read(ref _gcHeapBytes) is var v and >= 0 ? v : null;

    /// <summary>
    /// What the heap kept after the last collection: generation 1 and 2, the large and the pinned object heaps (each as
    /// the runtime last reported it). Unlike <see cref="GcHeapBytes"/> it leaves out generation 0's churn, so a leak shows
    /// in it and a collection's timing does not. Null until every part was reported once.
    /// </summary>
    public long? RetainedBytes => _sizes.Count == RetainedParts.Length ? _sizes.Values.Sum() : null;

    private static readonly string[] RetainedParts = ["gen-1-size", "gen-2-size", "loh-size", "poh-size"];

    /// <summary>Gen-2 collections seen so far.</summary>
    public long Gen2Collections => Interlocked.Read(ref _gen2Count);

    public static RuntimeCounters Start(int processId, int intervalSeconds)
    {
        var provider = new EventPipeProvider("System.Runtime", EventLevel.Informational, (long)EventKeywords.All,
            new Dictionary<string, string> { ["EventCounterIntervalSec"] = intervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var session = new DiagnosticsClient(processId).StartEventPipeSession([provider], requestRundown: false);
        return new RuntimeCounters(session);
    }

    private void OnEvent(TraceEvent e)
    {
        if (e.EventName != "EventCounters" || e.PayloadValue(0) is not IDictionary<string, object> outer
            || outer.TryGetValue("Payload", out var inner) is false || inner is not IDictionary<string, object> payload)
        {
            return;
        }

        var name = payload.TryGetValue("Name", out var n) ? n as string : null;
        var value = payload.TryGetValue("Mean", out var mean) ? Convert.ToDouble(mean, System.Globalization.CultureInfo.InvariantCulture)
            : payload.TryGetValue("Increment", out var inc) ? Convert.ToDouble(inc, System.Globalization.CultureInfo.InvariantCulture) : double.NaN;
        switch (name)
        {
            case "gc-heap-size":
                Interlocked.Exchange(ref _gcHeapBytes, (long)(value * 1024 * 1024)); // reported in MB
                break;
            case "gen-1-size" or "gen-2-size" or "loh-size" or "poh-size":
                _sizes[name] = (long)value; // reported in bytes
                break;
            case "gen-2-gc-count":
                Interlocked.Add(ref _gen2Count, (long)value);
                break;
        }
    }

    public void Dispose()
    {
        try
        {
            _session.Stop();
        }
        catch (Exception e) when (e is ServerNotAvailableException or IOException or TimeoutException)
        {
        }

        _processing.Wait(TimeSpan.FromSeconds(5));
        _source.Dispose();
        _session.Dispose();
    }
}
