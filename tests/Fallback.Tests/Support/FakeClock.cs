using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace AgentHost.Fallback.Tests.Support;

public static class FakeClock
{
    /// <summary>
    /// Advances fake time in steps until <paramref name="done"/> holds: for waits scheduled at a moment the test cannot
    /// observe (Polly's retry delay). Fails after 10 s of real time.
    /// </summary>
    public static async Task AdvanceUntilAsync(this FakeTimeProvider time, Func<bool> done, TimeSpan step)
    {
        var guard = Stopwatch.StartNew();
        while (!done())
        {
            if (guard.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException("The condition did not hold while advancing fake time.");
            }

            time.Advance(step);
            await Task.Yield();
        }
    }

    /// <summary>A step that never produces anything until cancelled; signals <paramref name="started"/> first.</summary>
    public static async IAsyncEnumerable<Microsoft.Extensions.AI.ChatResponseUpdate> Hang(CancellationToken token, TaskCompletionSource? started = null, bool roleFirst = false)
    {
        if (roleFirst)
        {
            yield return new Microsoft.Extensions.AI.ChatResponseUpdate { Role = Microsoft.Extensions.AI.ChatRole.Assistant };
        }

        started?.TrySetResult();
        await Task.Delay(Timeout.Infinite, token);
    }
}

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells the test when a timer is armed (created, or changed to a finite due
/// time, as <c>CancelAfter</c> does), so a test advances fake time only once the wait it is meant to end exists:
/// advancing before it is armed would leave that wait untouched and prove nothing (or hang).
/// </summary>
public sealed class ObservedTimeProvider : FakeTimeProvider
{
    private readonly List<TimeSpan> _armed = [];
    private readonly List<(TimeSpan Due, TaskCompletionSource Signal)> _waiters = [];

    /// <summary>The due times of every timer armed so far, in order.</summary>
    public IReadOnlyList<TimeSpan> Armed { get { lock (_armed) { return [.. _armed]; } } }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ObservedTimer(this, base.CreateTimer(callback, state, dueTime, period));
        OnArmed(dueTime);
        return timer;
    }

    /// <summary>Completes once a timer is armed with <paramref name="due"/> (at once when one already was); fails after 10 s of real time.</summary>
    public Task WhenArmedAsync(TimeSpan due)
    {
        lock (_armed)
        {
            if (_armed.Contains(due))
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((due, signal));
            return signal.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    private void OnArmed(TimeSpan due)
    {
        if (due == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        List<TaskCompletionSource> ready;
        lock (_armed)
        {
            _armed.Add(due);
            ready = [.. _waiters.Where(w => w.Due == due).Select(w => w.Signal)];
            _waiters.RemoveAll(w => w.Due == due);
        }

        ready.ForEach(s => s.TrySetResult());
    }

    private sealed class ObservedTimer(ObservedTimeProvider owner, ITimer inner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            owner.OnArmed(dueTime);
            return changed;
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
