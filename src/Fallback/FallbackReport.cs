namespace AgentHost.Fallback;

/// <summary>What happened to one backend during one model call.</summary>
public enum FallbackAttemptOutcome
{
    /// <summary>The backend produced the answer.</summary>
    Succeeded,

    /// <summary>The backend was asked and failed (see <see cref="FallbackAttempt.Error"/>).</summary>
    Failed,

    /// <summary>The backend was not asked (see <see cref="FallbackAttempt.SkipReason"/>).</summary>
    Skipped,

    /// <summary>The backend was asked, then stopped because another answered first (hedging).</summary>
    Cancelled,

    /// <summary>
    /// The backend was down or its circuit open, so it was put after every other candidate (see
    /// <see cref="FallbackAttempt.SkipReason"/>); a later attempt of the same backend in the report says what happened
    /// when it was tried. With no such later attempt, another backend answered first.
    /// </summary>
    Deferred,
}

/// <summary>One backend's part in a model call.</summary>
public sealed record FallbackAttempt
{
    /// <summary>The backend's name, e.g. <c>Mlx</c>.</summary>
    public required string Backend { get; init; }

    /// <summary>What happened.</summary>
    public required FallbackAttemptOutcome Outcome { get; init; }

    /// <summary>How long the attempt took, retries included (zero when skipped).</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>When the first content arrived, from the start of the attempt; <see langword="null"/> when none did.</summary>
    public TimeSpan? TimeToFirstToken { get; init; }

    /// <summary>Why it failed, one line (e.g. <c>503 model loading</c>, <c>connection refused</c>).</summary>
    public string? Error { get; init; }

    /// <summary>Why it was skipped or deferred (e.g. <c>circuit open</c>, <c>down: connection refused</c>, <c>no tool support</c>).</summary>
    public string? SkipReason { get; init; }

    /// <summary>The model the backend was asked for, when the chain chose one (a route's, a rule's or a substitute).</summary>
    public string? Model { get; init; }

    /// <summary>The model that was wanted when <see cref="Model"/> is a substitute for it (the backend does not have it).</summary>
    public string? SubstitutedFor { get; init; }

    /// <summary>How many requests were sent to the backend (more than one when transient failures were retried).</summary>
    public int Tries { get; init; }

    /// <summary>The attempt in one line, e.g. <c>Mlx: 503 model loading</c>.</summary>
    public override string ToString() => Outcome switch
    {
        FallbackAttemptOutcome.Succeeded => $"{Backend}: answered",
        FallbackAttemptOutcome.Skipped => $"{Backend}: skipped ({SkipReason})",
        FallbackAttemptOutcome.Cancelled => $"{Backend}: cancelled ({Error})",
        FallbackAttemptOutcome.Deferred => $"{Backend}: deferred ({SkipReason})",
        _ => $"{Backend}: {Error}",
    };
}

/// <summary>
/// Where an answer came from: the backend and model that produced it and every backend tried, skipped or failed on
/// the way. Found on <c>ChatResponse.AdditionalProperties</c>, on streamed updates (the first and the last), and on
/// SK content metadata under <see cref="MetadataKey"/>; read it with <c>GetFallbackReport()</c>.
/// </summary>
public sealed record FallbackReport
{
    /// <summary>The key under which the report is stored in additional properties and metadata.</summary>
    public const string MetadataKey = "agenthost.fallback";

    /// <summary>The backend that answered; <see langword="null"/> when none did.</summary>
    public string? Backend { get; init; }

    /// <summary>The model that answered, as the backend reported it (or as configured).</summary>
    public string? Model { get; init; }

    /// <summary>The route the call took (<c>default</c>, <c>agent</c>, ..., or the model the caller named).</summary>
    public string? Route { get; init; }

    /// <summary>What chose the route: <c>caller</c>, <c>rule:&lt;name&gt;</c>, <c>semantic</c>, <c>default</c> (see <see cref="FallbackRouteDecision.ChosenBy"/>).</summary>
    public string? ChosenBy { get; init; }

    /// <summary>Every backend in the order, with what happened to it, in the order they were considered.</summary>
    public IReadOnlyList<FallbackAttempt> Attempts { get; init; } = [];

    /// <summary>
    /// <see langword="false"/> on the report carried by the first streamed update: a snapshot taken when the stream
    /// committed to its backend. The last update carries the complete report.
    /// </summary>
    public bool IsComplete { get; init; } = true;

    /// <summary>Whether the answer was served from a route's cache (<see cref="RouteCachingChatClient"/>) rather than made now; no backend was asked.</summary>
    public bool Cached { get; init; }

    /// <summary>The attempts in one line, e.g. <c>Mlx: 503 model loading; Ollama: connection refused</c>.</summary>
    public string Summary => string.Join("; ", Attempts.Select(a => a.ToString()));
}
