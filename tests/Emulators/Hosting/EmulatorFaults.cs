namespace AgentHost.Emulators.Hosting;

/// <summary>
/// Per-test fault knobs of one emulator. Generation faults apply to the answer-producing routes
/// (<c>/api/generate</c>, <c>/api/chat</c>, <c>/v1/chat/completions</c>, <c>/run</c>, ...); health faults to the health route.
/// Set them before the request; every property is safe to change while the emulator runs.
/// </summary>
public sealed class EmulatorFaults
{
    private volatile Snapshot _s = new();

    /// <summary>Answer generation requests with this HTTP status and the backend's own error shape.</summary>
    public int? StatusCode { get => _s.StatusCode; set => Update(s => s with { StatusCode = value }); }

    /// <summary>The error text put in the backend's error shape (a backend-specific default when null).</summary>
    public string? ErrorMessage { get => _s.ErrorMessage; set => Update(s => s with { ErrorMessage = value }); }

    /// <summary>Send a <c>Retry-After</c> header (whole seconds) with a faulted status.</summary>
    public TimeSpan? RetryAfter { get => _s.RetryAfter; set => Update(s => s with { RetryAfter = value }); }

    /// <summary>Wait this long before the first byte of a generation response.</summary>
    public TimeSpan FirstByteDelay { get => _s.FirstByteDelay; set => Update(s => s with { FirstByteDelay = value }); }

    /// <summary>Wait this long between streamed chunks.</summary>
    public TimeSpan ChunkDelay { get => _s.ChunkDelay; set => Update(s => s with { ChunkDelay = value }); }

    /// <summary>Abort the connection after this many chunks (streaming) or midway through the body (non-streaming when 0).</summary>
    public int? DropAfterChunks { get => _s.DropAfterChunks; set => Update(s => s with { DropAfterChunks = value }); }

    /// <summary>Streaming: after this many chunks go silent with the connection open, until the client gives up or the emulator stops.</summary>
    public int? StallAfterChunks { get => _s.StallAfterChunks; set => Update(s => s with { StallAfterChunks = value }); }

    /// <summary>Answer 200 with a body that is not the protocol's shape.</summary>
    public bool MalformedBody { get => _s.MalformedBody; set => Update(s => s with { MalformedBody = value }); }

    /// <summary>Never answer: hold the request open until the client gives up or the emulator stops.</summary>
    public bool Hang { get => _s.Hang; set => Update(s => s with { Hang = value }); }

    /// <summary>Serve this many generation requests normally before the faults above apply (0: fault from the first).</summary>
    public int PassRequests { get => _s.PassRequests; set => Update(s => s with { PassRequests = value }); }

    /// <summary>
    /// Apply the generation faults above only while this returns <see langword="true"/> (asked once per request, as it
    /// arrives), e.g. a backend failing in odd seconds only. Null: always.
    /// </summary>
    public Func<bool>? ActiveWhen { get => _s.ActiveWhen; set => Update(s => s with { ActiveWhen = value }); }

    /// <summary>Override the status string the health route reports (e.g. MLX <c>degraded</c>, <c>critical</c>).</summary>
    public string? HealthStatus { get => _s.HealthStatus; set => Update(s => s with { HealthStatus = value }); }

    /// <summary>Answer the health route with this HTTP status.</summary>
    public int? HealthStatusCode { get => _s.HealthStatusCode; set => Update(s => s with { HealthStatusCode = value }); }

    /// <summary>Never answer the health route.</summary>
    public bool HealthHang { get => _s.HealthHang; set => Update(s => s with { HealthHang = value }); }

    /// <summary>Replace the canned answer: receives the user's last message, returns the answer text.</summary>
    public Func<string, string>? Answer { get => _s.Answer; set => Update(s => s with { Answer = value }); }

    /// <summary>Clears every fault.</summary>
    public void Reset() => _s = new Snapshot();

    internal Snapshot Current => _s;

    private void Update(Func<Snapshot, Snapshot> change)
    {
        lock (this)
        {
            _s = change(_s);
        }
    }

    internal sealed record Snapshot
    {
        public int? StatusCode { get; init; }
        public string? ErrorMessage { get; init; }
        public TimeSpan? RetryAfter { get; init; }
        public TimeSpan FirstByteDelay { get; init; }
        public TimeSpan ChunkDelay { get; init; }
        public int? DropAfterChunks { get; init; }
        public int? StallAfterChunks { get; init; }
        public bool MalformedBody { get; init; }
        public bool Hang { get; init; }
        public int PassRequests { get; init; }
        public Func<bool>? ActiveWhen { get; init; }
        public string? HealthStatus { get; init; }
        public int? HealthStatusCode { get; init; }
        public bool HealthHang { get; init; }
        public Func<string, string>? Answer { get; init; }
    }
}
