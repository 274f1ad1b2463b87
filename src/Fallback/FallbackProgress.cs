namespace AgentHost.Fallback;

/// <summary>
/// What a streamed call did while it was still looking for a backend: one backend that failed, was skipped or was
/// deferred, and the backend tried next. Carried, before any content, by a content-less update under
/// <see cref="MetadataKey"/> (read it with <c>GetFallbackProgress()</c>); the HTTP service sends it as an SSE comment.
/// </summary>
public sealed record FallbackProgress
{
    /// <summary>The key under which progress is stored in an update's additional properties or SK metadata.</summary>
    public const string MetadataKey = "agenthost.progress";

    /// <summary>The backend the line is about.</summary>
    public required string Backend { get; init; }

    /// <summary><see cref="FallbackAttemptOutcome.Failed"/>, <see cref="FallbackAttemptOutcome.Skipped"/> or <see cref="FallbackAttemptOutcome.Deferred"/>.</summary>
    public required FallbackAttemptOutcome Outcome { get; init; }

    /// <summary>The error, or why it was skipped or deferred.</summary>
    public string? Reason { get; init; }

    /// <summary>The backend the chain is trying now.</summary>
    public required string Next { get; init; }

    /// <summary>The route the call is on (as in <see cref="FallbackReport.Route"/>).</summary>
    public string? Route { get; init; }

    /// <summary>What chose the route (as in <see cref="FallbackReport.ChosenBy"/>).</summary>
    public string? ChosenBy { get; init; }

    /// <summary>One line for people, e.g. <c>Mlx failed (500 Generation failed) → trying Ollama</c>.</summary>
    public string Message =>
        $"{Backend} {Outcome.ToString().ToLowerInvariant()}{(string.IsNullOrWhiteSpace(Reason) ? "" : $" ({Reason})")} → "
        + (string.Equals(Next, Backend, StringComparison.OrdinalIgnoreCase) ? "trying it anyway, the others having failed" : $"trying {Next}");

    /// <inheritdoc />
    public override string ToString() => Message;
}
