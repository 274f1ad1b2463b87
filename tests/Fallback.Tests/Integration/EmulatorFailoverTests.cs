using AgentHost.Emulators.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentHost.Fallback.Tests.Integration;

/// <summary>Every fault knob of the emulators, on the backend at every position of the order, over real HTTP.</summary>
public sealed class EmulatorFailoverTests
{
    private static readonly string[] Backends = ["Mlx", "Ollama", "Victoria"];

    public enum Fault
    {
        Status500,
        Status503,
        Status429RetryAfter,
        MalformedBody,
        DropAfterChunks,
        Hang,
        FirstByteDelay,
        HealthDown,
    }

    public static TheoryData<Fault, int, bool> FaultsAtEveryPosition()
    {
        var data = new TheoryData<Fault, int, bool>();
        foreach (var fault in Enum.GetValues<Fault>())
        {
            for (var position = 0; position < 3; position++)
            {
                data.Add(fault, position, true);
                data.Add(fault, position, false);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FaultsAtEveryPosition))]
    public async Task A_faulty_backend_at_any_position_hands_the_call_on(Fault fault, int position, bool streaming)
    {
        // Rotate the order so each backend type takes a different position; the ones before the faulty one refuse connections.
        string[] order = [.. Backends.Skip(position).Concat(Backends.Take(position))];
        var faulty = order[position];
        await using var chain = await EmulatorChain.StartAsync(refusing: order.Take(position).ToArray(), configure: o =>
        {
            o.Order = order;
            if (fault is Fault.Hang or Fault.FirstByteDelay)
            {
                // Tight timeouts on the faulty backend only, so a slow first request elsewhere (JIT, a busy machine) is not mistaken for a fault.
                o.Backends[faulty] = new BackendResilienceOptions { AttemptTimeout = TimeSpan.FromMilliseconds(600), FirstTokenTimeout = TimeSpan.FromMilliseconds(300) };
            }
        });
        Apply(chain.Emulator(faulty).Faults, fault);
        if (fault == Fault.HealthDown)
        {
            await chain.Provider.GetRequiredService<BackendHealthMonitor>().ProbeAllAsync();
        }

        var (text, report, error) = await AskAsync(chain.Chain, streaming);

        // A backend whose health is down is deferred first (and tried later only if no other answers).
        var faultyAttempt = (report ?? error!.GetFallbackReport()!).Attempts.First(a => a.Backend == faulty);
        if (fault == Fault.HealthDown && position == 2)
        {
            // Every backend is down: each is deferred, then all are tried in order, and the faulty one's generation works.
            Assert.Equal(faulty, report!.Backend);
            Assert.Contains("hi", text, StringComparison.Ordinal);
            return;
        }

        Assert.Equal(fault == Fault.HealthDown ? FallbackAttemptOutcome.Deferred : FallbackAttemptOutcome.Failed, faultyAttempt.Outcome);
        Assert.Contains(Expected(fault, faulty, streaming), (faultyAttempt.Error ?? faultyAttempt.SkipReason)!, StringComparison.Ordinal);
        if (position < 2)
        {
            Assert.Equal(order[position + 1], report!.Backend);
            Assert.Contains("hi", text, StringComparison.Ordinal);
            Assert.Equal(1, chain.Emulator(order[position + 1]).GenerationRequests);
        }
        else
        {
            var exhausted = Assert.IsType<FallbackExhaustedException>(error);
            Assert.Contains($"{faulty}: ", exhausted.Message, StringComparison.Ordinal);
            Assert.All(order.Take(2), b => Assert.Contains($"{b}: connection refused", exhausted.Message, StringComparison.Ordinal));
        }
    }

    private static void Apply(EmulatorFaults faults, Fault fault)
    {
        switch (fault)
        {
            case Fault.Status500:
                faults.StatusCode = 500;
                faults.ErrorMessage = "generation failed";
                break;
            case Fault.Status503:
                faults.StatusCode = 503;
                faults.ErrorMessage = "model loading";
                break;
            case Fault.Status429RetryAfter:
                faults.StatusCode = 429;
                faults.RetryAfter = TimeSpan.FromSeconds(30);
                break;
            case Fault.MalformedBody:
                faults.MalformedBody = true;
                break;
            case Fault.DropAfterChunks:
                faults.DropAfterChunks = 0;
                break;
            case Fault.Hang:
                faults.Hang = true;
                break;
            case Fault.FirstByteDelay:
                faults.FirstByteDelay = TimeSpan.FromSeconds(5);
                break;
            case Fault.HealthDown:
                faults.HealthStatusCode = 503;
                break;
        }
    }

    /// <summary>
    /// What the faulty backend's attempt must say: the status for a refusal, the timeout, the skip, and for a garbage
    /// body or a cut connection the connector's own words for that shape (each connector words it its own way).
    /// MLX answers a stream with its 200 headers before generating, so a 500 under a stream is a cut too.
    /// </summary>
    private static string Expected(Fault fault, string backend, bool streaming) => (fault, backend, streaming) switch
    {
        (Fault.Status500, "Mlx", true) => "connection error: ",
        (Fault.Status500, _, _) => "500",
        (Fault.Status503, _, _) => "503",
        (Fault.Status429RetryAfter, _, _) => "429",
        (Fault.Hang or Fault.FirstByteDelay, _, true) => "no first token within 300 ms",
        (Fault.Hang or Fault.FirstByteDelay, _, false) => "timed out after 600 ms",
        (Fault.HealthDown, _, _) => "down",
        (Fault.MalformedBody, "Mlx", false) => "The reply is not the expected JSON: {\"unexpected\": tru",
        (Fault.MalformedBody, "Mlx", true) => "A streamed line is not the expected JSON: {\"unexpected\": tru",
        (Fault.MalformedBody, "Ollama", _) => "a reply line is not JSON: {\"unexpected\": tru",
        (Fault.MalformedBody, "Victoria", _) => "the reply is not JSON: {\"unexpected\": tru",
        (Fault.DropAfterChunks, "Mlx", false) => "connection failed: ",
        (Fault.DropAfterChunks, "Mlx", true) => "connection error: ",
        (Fault.DropAfterChunks, "Ollama", _) => "the connection broke before the reply was",
        (Fault.DropAfterChunks, "Victoria", _) => "the connection dropped before the reply",
        _ => throw new ArgumentOutOfRangeException(nameof(fault), $"{fault} on {backend} has no expected error text"),
    };

    private static async Task<(string Text, FallbackReport? Report, Exception? Error)> AskAsync(IChatClient chain, bool streaming)
    {
        try
        {
            if (!streaming)
            {
                var response = await chain.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]);
                return (response.Text, response.GetFallbackReport(), null);
            }

            var updates = await chain.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")]).ToListAsync();
            return (string.Concat(updates.Select(u => u.Text)), updates[^1].GetFallbackReport(), null);
        }
        catch (Exception ex) when (ex is FallbackExhaustedException)
        {
            return (string.Empty, null, ex);
        }
    }
}
