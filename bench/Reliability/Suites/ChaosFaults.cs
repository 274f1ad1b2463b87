using AgentHost.Bench.Reliability.Infrastructure;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Emulators.Victoria;

namespace AgentHost.Bench.Reliability.Suites;

/// <summary>
/// Breaks and mends the backends while the load runs: every 1.5–3 s (seeded, so a run can be repeated) each backend
/// is either healthy or in one of the failure shapes its real server shows (DESIGN §3), never more than
/// <c>maxBroken</c> at once. Health flapping is a loop that flips the health route between 503 and fine.
/// <see cref="Timeline"/> records when each backend could answer (healthy, a slow first token, a flapping health route):
/// with <c>maxBroken</c> below the number of backends, one is healthy at every moment.
/// </summary>
/// <remarks>
/// <paramref name="afterHang"/>: how long a backend mended from a hang still does not count as serving. A hang times
/// out, and a circuit opened on timeouts keeps the backend out until its break has elapsed (DESIGN §2: it gets no
/// deferred trial, which would hold the caller for the whole timeout), so the schedule allows the chain that long.
/// </remarks>
internal sealed class ChaosFaults(EmulatorSet emulators, int seed, int maxBroken, TextWriter? log = null, TimeSpan afterHang = default)
{
    /// <summary>The shapes in which a backend still answers its calls.</summary>
    private static readonly HashSet<string> Serving = new(StringComparer.Ordinal) { "healthy", "slow first token", "health flapping" };

    private readonly Random _random = new(seed);
    private readonly Dictionary<string, string> _state = emulators.All.ToDictionary(n => n, _ => "healthy");
    private readonly Dictionary<string, int> _applied = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _generation = emulators.All.ToDictionary(n => n, _ => 0);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _outUntil = new(StringComparer.Ordinal); // after a hang: not serving before this timestamp

    /// <summary>How often each shape was applied.</summary>
    public IReadOnlyDictionary<string, int> Applied => _applied;

    public int Changes { get; private set; }

    /// <summary>When each backend was serving (see <see cref="FaultTimeline"/>).</summary>
    public FaultTimeline Timeline { get; } = new(emulators.All);

    /// <summary>The shapes a backend can be put in (besides <c>healthy</c>).</summary>
    private static string[] ShapesOf(string backend, Type type)
    {
        string[] common = ["refused", "hang", "slow first token", "garbage body", "health flapping"];
        return type == typeof(MlxEmulator) ? [.. common, "503", "429 without Retry-After", "504", "stream ends without done"]
            : type == typeof(OllamaEmulator) ? [.. common, "503", "in-band error", "500"]
            : type == typeof(VictoriaEmulator) ? [.. common, "500 detail", "lost task"]
            : common;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var flappers = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(_random.Next(1500, 3000)), cancellationToken); // healthy at first
                await ChangeAsync(flappers, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(flappers);
        await emulators.ResetAllAsync();
    }

    private async Task ChangeAsync(List<Task> flappers, CancellationToken cancellationToken)
    {
        foreach (var backend in emulators.All.OrderBy(_ => _random.Next()))
        {
            int broken;
            lock (_lock)
            {
                broken = _state.Count(s => s.Value != "healthy" && s.Key != backend);
            }

            var shapes = ShapesOf(backend, emulators[backend].GetType());
            var next = broken >= maxBroken || _random.NextDouble() < 0.45 ? "healthy" : shapes[_random.Next(shapes.Length)];
            if (next == _state[backend] && next == "healthy")
            {
                continue;
            }

            if (!Serving.Contains(next))
            {
                Timeline.Set(backend, serving: false); // before the fault bites
            }

            await emulators.EnsureRunningAsync(backend);
            int generation;
            string previous;
            lock (_lock)
            {
                previous = _state[backend];
                emulators.Reset(backend);
                _state[backend] = next;
                generation = ++_generation[backend];
            }

            Changes++;
            _applied[next] = _applied.GetValueOrDefault(next) + 1;
            log?.WriteLine($"   chaos: {backend} → {next}");
            var faults = emulators[backend].Faults;
            switch (next)
            {
                case "refused":
                    await emulators.StopAsync(backend);
                    break;
                case "hang":
                    faults.Hang = true;
                    break;
                case "slow first token":
                    faults.FirstByteDelay = TimeSpan.FromMilliseconds(300);
                    break;
                case "garbage body":
                    faults.MalformedBody = true;
                    break;
                case "503":
                    faults.StatusCode = 503;
                    break;
                case "500" or "500 detail":
                    faults.StatusCode = 500;
                    break;
                case "504":
                    faults.StatusCode = 504;
                    break;
                case "429 without Retry-After":
                    faults.StatusCode = 429;
                    break;
                case "stream ends without done":
                    emulators.MlxEmulator.StreamEndsWithoutDone = true;
                    break;
                case "in-band error":
                    ((OllamaEmulator)emulators[backend]).InBandErrorAfterChunks = 1;
                    break;
                case "lost task":
                    emulators.VictoriaEmulator.LoseTasks = true;
                    break;
                case "health flapping":
                    flappers.Add(FlapAsync(backend, generation, cancellationToken));
                    break;
            }

            // A hang's after-effect runs from when the hang ends, whatever comes next (another fault may come first, and
            // the backend serves only after it).
            if (previous == "hang")
            {
                _outUntil[backend] = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(afterHang.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
            }

            if (Serving.Contains(next))
            {
                // Once mended (restarted, knobs reset); after a hang, once the breaker's break has elapsed too.
                var left = _outUntil.GetValueOrDefault(backend) - System.Diagnostics.Stopwatch.GetTimestamp();
                Timeline.Set(backend, serving: true, after: left > 0 ? TimeSpan.FromSeconds(left / (double)System.Diagnostics.Stopwatch.Frequency) : TimeSpan.Zero);
            }
        }
    }

    /// <summary>Flips the health route while the backend stays in <c>health flapping</c>.</summary>
    private async Task FlapAsync(string backend, int generation, CancellationToken cancellationToken)
    {
        var down = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            down = !down;
            lock (_lock)
            {
                if (_generation[backend] != generation)
                {
                    return; // the backend moved on; its knobs were reset
                }

                emulators[backend].Faults.HealthStatusCode = down ? 503 : null;
            }

            try
            {
                await Task.Delay(150, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
