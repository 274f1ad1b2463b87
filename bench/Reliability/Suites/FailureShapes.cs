using AgentHost.Bench.Reliability.Infrastructure;

namespace AgentHost.Bench.Reliability.Suites;

/// <summary>What the caller must see when one backend fails in a given shape.</summary>
internal enum ShapeExpectation
{
    /// <summary>A failure: the next backend answers; when it is the last backend, a typed error.</summary>
    FailsOver,

    /// <summary>Not a failure (e.g. slow but answering): the backend itself answers.</summary>
    ServedByItself,

    /// <summary>Health that flaps while generation works: the backend itself or a later one answers; when it is last, it answers or a typed error says none could.</summary>
    ItselfOrLater,
}

/// <summary>
/// One failure shape of the real servers (DESIGN §3), set on an emulator through its knobs. <see cref="Plain"/> applies
/// it for non-streamed calls, <see cref="Stream"/> for streamed ones (the same unless the server fails differently).
/// </summary>
/// <param name="Name">What a person would call it.</param>
/// <param name="Backend">The backend whose shape it is, or null for shapes every backend shows.</param>
/// <param name="Expect">What the caller must see.</param>
/// <param name="CutsAfterContent">Whether a streamed call may already have passed content on (then a typed stream error is right too).</param>
/// <param name="Plain">Sets the knobs for non-streamed calls.</param>
/// <param name="Stream">Sets the knobs for streamed calls.</param>
/// <param name="NeedsVictoriaAsync">Whether the host must run Victoria in async mode (polling) for the shape to show.</param>
internal sealed record FailureShape(
    string Name,
    string? Backend,
    ShapeExpectation Expect,
    bool CutsAfterContent,
    Func<EmulatorSet, string, Task> Plain,
    Func<EmulatorSet, string, Task> Stream,
    bool NeedsVictoriaAsync = false)
{
    public static IReadOnlyList<FailureShape> All { get; } = Build();

    public bool AppliesTo(string backend) => Backend is null || Backend == backend;

    private static List<FailureShape> Build()
    {
        static Func<EmulatorSet, string, Task> Knobs(Action<EmulatorSet, string> set) => (e, b) => { set(e, b); return Task.CompletedTask; };
        var status = (int code) => Knobs((e, b) => e[b].Faults.StatusCode = code);
        return
        [
            // MLX API Server: a dying generation just ends the body (no error line, no done line); non-streamed, the body is cut.
            new("MLX stream ends without done", EmulatorSet.Mlx, ShapeExpectation.FailsOver, CutsAfterContent: true,
                Knobs((e, b) => e[b].Faults.DropAfterChunks = 0),
                Knobs((e, _) => e.MlxEmulator.StreamEndsWithoutDone = true)),
            new("MLX 429 without Retry-After", EmulatorSet.Mlx, ShapeExpectation.FailsOver, false, status(429), status(429)),
            new("MLX 503 overloaded", EmulatorSet.Mlx, ShapeExpectation.FailsOver, false, status(503), status(503)),
            // Its 504 generation timeout exists only for plain calls; under a stream (200 headers first) the failed
            // generation is a cut before any line.
            new("MLX 504 generation timeout", EmulatorSet.Mlx, ShapeExpectation.FailsOver, false, status(504), status(504)),

            // Ollama: the error after streaming began is an NDJSON line {"error"} under status 200 (not streamed: 500 {"error"}).
            new("Ollama in-band {error} under 200", EmulatorSet.Ollama, ShapeExpectation.FailsOver, CutsAfterContent: true,
                Knobs((e, _) => e.OllamaEmulator.InBandErrorAfterChunks = 1),
                Knobs((e, _) => e.OllamaEmulator.InBandErrorAfterChunks = 1)),

            // Victoria: a failure is 500 {"detail"}; in async mode a task the server forgot answers 404 on /run/status.
            new("Victoria 500 {detail}", EmulatorSet.Victoria, ShapeExpectation.FailsOver, false, status(500), status(500)),
            new("Victoria lost task (404 on /run/status)", EmulatorSet.Victoria, ShapeExpectation.FailsOver, false,
                Knobs((e, _) => e.VictoriaEmulator.LoseTasks = true),
                Knobs((e, _) => e.VictoriaEmulator.LoseTasks = true),
                NeedsVictoriaAsync: true),

            // Every server.
            new("refused connection", null, ShapeExpectation.FailsOver, false, (e, b) => e.StopAsync(b), (e, b) => e.StopAsync(b)),
            new("hang (no answer)", null, ShapeExpectation.FailsOver, false,
                Knobs((e, b) => e[b].Faults.Hang = true), Knobs((e, b) => e[b].Faults.Hang = true)),
            new("slow first token (400 ms)", null, ShapeExpectation.ServedByItself, false,
                Knobs((e, b) => e[b].Faults.FirstByteDelay = TimeSpan.FromMilliseconds(400)),
                Knobs((e, b) => e[b].Faults.FirstByteDelay = TimeSpan.FromMilliseconds(400))),
            new("garbage body under 200", null, ShapeExpectation.FailsOver, false,
                Knobs((e, b) => e[b].Faults.MalformedBody = true), Knobs((e, b) => e[b].Faults.MalformedBody = true)),
            new("health flapping", null, ShapeExpectation.ItselfOrLater, false, (_, _) => Task.CompletedTask, (_, _) => Task.CompletedTask),
        ];
    }
}
