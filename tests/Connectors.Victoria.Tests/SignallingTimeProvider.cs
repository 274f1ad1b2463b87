using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace AgentHost.Connectors.Victoria.Tests;

/// <summary>A <see cref="FakeTimeProvider"/> that tells the test each time code under test starts waiting on a timer.</summary>
internal sealed class SignallingTimeProvider : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _timers.Writer.TryWrite(dueTime);
        }

        return timer;
    }

    /// <summary>Waits until a timer is created, or <paramref name="work"/> ends first; true when a timer was created.</summary>
    public async Task<bool> NextTimerAsync(Task work)
    {
        var next = _timers.Reader.ReadAsync().AsTask();
        var first = await Task.WhenAny(next, work).WaitAsync(TimeSpan.FromSeconds(10));
        return first == next;
    }
}
