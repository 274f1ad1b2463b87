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
