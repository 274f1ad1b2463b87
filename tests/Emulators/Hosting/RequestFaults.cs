namespace AgentHost.Emulators.Hosting;

/// <summary>The faults that apply to one generation request: a snapshot of <see cref="EmulatorFaults"/> taken when it arrived.</summary>
public sealed class RequestFaults
{
    internal RequestFaults(EmulatorFaults.Snapshot s, bool active, int requestNumber)
    {
        RequestNumber = requestNumber;
        Active = active;
        Answer = s.Answer;
        if (!active)
        {
            return;
        }

        StatusCode = s.StatusCode;
        ErrorMessage = s.ErrorMessage;
        RetryAfter = s.RetryAfter;
        FirstByteDelay = s.FirstByteDelay;
        ChunkDelay = s.ChunkDelay;
        DropAfterChunks = s.DropAfterChunks;
        StallAfterChunks = s.StallAfterChunks;
        MalformedBody = s.MalformedBody;
        Hang = s.Hang;
    }

    /// <summary>1-based number of this generation request on the emulator.</summary>
    public int RequestNumber { get; }

    /// <summary>False when the request is among the first <see cref="EmulatorFaults.PassRequests"/>: then nothing below applies.</summary>
    public bool Active { get; }

    /// <inheritdoc cref="EmulatorFaults.StatusCode"/>
    public int? StatusCode { get; }

    /// <inheritdoc cref="EmulatorFaults.ErrorMessage"/>
    public string? ErrorMessage { get; }

    /// <inheritdoc cref="EmulatorFaults.RetryAfter"/>
    public TimeSpan? RetryAfter { get; }

    /// <inheritdoc cref="EmulatorFaults.FirstByteDelay"/>
    public TimeSpan FirstByteDelay { get; }

    /// <inheritdoc cref="EmulatorFaults.ChunkDelay"/>
    public TimeSpan ChunkDelay { get; }

    /// <inheritdoc cref="EmulatorFaults.DropAfterChunks"/>
    public int? DropAfterChunks { get; }

    /// <inheritdoc cref="EmulatorFaults.StallAfterChunks"/>
    public int? StallAfterChunks { get; }

    /// <inheritdoc cref="EmulatorFaults.MalformedBody"/>
    public bool MalformedBody { get; }

    /// <inheritdoc cref="EmulatorFaults.Hang"/>
    public bool Hang { get; }

    /// <inheritdoc cref="EmulatorFaults.Answer"/>
    public Func<string, string>? Answer { get; }
}
