namespace AgentHost.Bench.Reliability.Infrastructure;

/// <summary>How one call to <c>/v1/chat/completions</c> ended, as the caller saw it.</summary>
internal enum OutcomeKind
{
    /// <summary>200 with a whole answer: a non-streamed body, or a stream that ended with <c>[DONE]</c>.</summary>
    Answer,

    /// <summary>
    /// A typed error: an OpenAI-shaped error body with a status and a code before anything was streamed, or an SSE error
    /// event (code <c>backend_stream_interrupted</c>, naming the backend) after content, with no <c>[DONE]</c>.
    /// </summary>
    TypedError,

    /// <summary>Anything else: a stream that stopped with neither <c>[DONE]</c> nor an error, a body that is not the shape, no answer in time.</summary>
    Broken,
}

/// <summary>One call's result.</summary>
/// <param name="Kind">How it ended.</param>
/// <param name="Status">The HTTP status (0 when none arrived).</param>
/// <param name="Backend">The backend that answered (<c>x-agent-backend</c>) or, for a stream error, the one the error names.</param>
/// <param name="Text">The answer text, or what was streamed before an error.</param>
/// <param name="ErrorCode">The error's <c>code</c>, for a typed error.</param>
/// <param name="Detail">The error message, or why the call is <see cref="OutcomeKind.Broken"/>.</param>
/// <param name="Streamed">Whether the call asked for SSE.</param>
/// <param name="ToolCalls">The tool calls the answer carried (name and id), in order.</param>
/// <param name="Elapsed">How long the call took.</param>
/// <param name="Attempts">The <c>agent_host</c> report's attempts (backend, outcome), or null when the reply carried none.</param>
internal sealed record ChatOutcome(
    OutcomeKind Kind,
    int Status,
    string? Backend,
    string Text,
    string? ErrorCode,
    string Detail,
    bool Streamed,
    IReadOnlyList<(string Id, string Name)> ToolCalls,
    TimeSpan Elapsed,
    IReadOnlyList<(string Backend, string Outcome)>? Attempts = null)
{
    /// <summary>Whether the report shows <paramref name="backend"/> was tried or skipped and did not answer.</summary>
    public bool ReportsFailureOf(string backend) =>
        Attempts?.Any(a => a.Backend == backend && a.Outcome != "succeeded") == true;

    public override string ToString() =>
        $"{(Streamed ? "stream" : "plain")} {Kind} status={Status} backend={Backend ?? "-"} code={ErrorCode ?? "-"} after {Elapsed.TotalMilliseconds:0} ms text='{Text}' detail='{Detail}'";
}

/// <summary>What the emulators answer: their prefix, then the caller's last user text (unique per request in every suite).</summary>
internal static class ExpectedAnswer
{
    public static string Prefix(string backend) => backend switch
    {
        EmulatorSet.Mlx => "MLX: ",
        EmulatorSet.Victoria => "Victoria: ",
        _ when backend.StartsWith(EmulatorSet.Ollama, StringComparison.Ordinal) => "Ollama: ",
        _ => "?",
    };

    public static string For(string backend, string userText) => Prefix(backend) + userText;
}
