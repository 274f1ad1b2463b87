using System.Diagnostics;

namespace AgentHost.Bench.Reliability.Infrastructure;

/// <summary>
/// When each backend could answer, as the fault schedule set it: a backend is <em>serving</em> while it is healthy or in
/// a shape that still answers (a slow first token within the attempt timeout, a health route that flaps while generation
/// works), and not serving while it refuses, hangs or fails. A break is recorded before its fault is applied and a mend
/// after it is complete, so the recorded serving time never includes a moment the backend was broken. Times are
/// <see cref="Stopwatch.GetTimestamp"/> values, as the suites take around each call.
/// </summary>
internal sealed class FaultTimeline
{
    private readonly Dictionary<string, List<(long At, bool Serving)>> _changes;

    public FaultTimeline(IEnumerable<string> backends) =>
        _changes = backends.ToDictionary(b => b, _ => new List<(long, bool)> { (long.MinValue, true) }, StringComparer.Ordinal);

    /// <summary>
    /// Records that <paramref name="backend"/> starts (or stops) serving now, or, with <paramref name="after"/>, starts
    /// serving only that long from now (a start still pending is dropped when the backend breaks again before it).
    /// </summary>
    public void Set(string backend, bool serving, TimeSpan after = default)
    {
        var now = Stopwatch.GetTimestamp();
        var at = now + (long)(after.TotalSeconds * Stopwatch.Frequency);
        lock (_changes)
        {
            var list = _changes[backend];
            list.RemoveAll(c => c.At > now);
            if (list[^1].Serving != serving)
            {
                list.Add((at, serving));
            }
        }
    }

    /// <summary>Whether <paramref name="backend"/> was serving from <paramref name="start"/> to <paramref name="end"/>, without a break in between.</summary>
    public bool ServedThroughout(string backend, long start, long end)
    {
        lock (_changes)
        {
            var list = _changes[backend];
            var atStart = list.FindLastIndex(c => c.At <= start);
            if (atStart < 0 || !list[atStart].Serving)
            {
                return false;
            }

            return !list.Skip(atStart + 1).Any(c => c.At <= end && !c.Serving);
        }
    }

    /// <summary>Whether one of <paramref name="backends"/> was serving for the whole of the call from <paramref name="start"/> to <paramref name="end"/>.</summary>
    public bool AnyServedThroughout(IEnumerable<string> backends, long start, long end) => backends.Any(b => ServedThroughout(b, start, end));
}
