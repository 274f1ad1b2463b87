namespace AgentHost.Bench.Reliability.Infrastructure;

/// <summary>
/// The promises every outcome keeps, whatever the faults: an answer is whole, this caller's own (the emulators echo the
/// caller's unique text) and names its backend; what a stream sent before a typed error is a clean prefix of that
/// backend's answer (nothing duplicated, nothing from another caller); nothing is <see cref="OutcomeKind.Broken"/>.
/// </summary>
internal static class AnswerCheck
{
    /// <summary>The HTTP error codes that say "no backend could answer".</summary>
    public static readonly IReadOnlySet<string> NoBackendCodes = new HashSet<string>(StringComparer.Ordinal) { "no_backend_answered" };

    /// <summary>The SSE error code of a stream cut after content.</summary>
    public const string StreamInterrupted = "backend_stream_interrupted";

    /// <summary>Null when <paramref name="o"/> keeps the promises for a caller that sent <paramref name="userText"/>; else the kind of violation.</summary>
    public static string? Problem(ChatOutcome o, string userText, string? expectedSuffix = null)
    {
        switch (o.Kind)
        {
            case OutcomeKind.Broken:
                return o.Detail.Contains("silent cut", StringComparison.Ordinal) ? "stream cut silently" : "broken reply";
            case OutcomeKind.Answer when o.Backend is null:
                return "answer without x-agent-backend"; // (or, after progress comments, without agent_host.backend in its first chunk)
            case OutcomeKind.Answer when o.Attempts is null:
                return "answer without the agent_host attempt report";
            case OutcomeKind.Answer when o.ToolCalls.Count > 0:
                return null; // a tool-call step carries no text to compare; the tool suites check the calls
            case OutcomeKind.Answer:
                var expected = ExpectedAnswer.For(o.Backend, userText) + (expectedSuffix ?? "");
                if (o.Text == expected)
                {
                    return null;
                }

                return o.Text.Contains(userText, StringComparison.Ordinal) && !HasForeignId(o.Text, userText)
                    ? "answer not whole (cut, duplicated or mixed)"
                    : "answer reached the wrong caller";
            case OutcomeKind.TypedError when o.Status == 200 && NoBackendCodes.Contains(o.ErrorCode ?? ""):
                return null; // progress comments had gone out (status 200), then no backend answered: a typed end, never a clean one
            case OutcomeKind.TypedError when o.Status == 200:
                if (o.ErrorCode != StreamInterrupted)
                {
                    return $"stream error with an unexpected code '{o.ErrorCode}'";
                }

                if (o.Backend is null)
                {
                    return "stream error that names no backend";
                }

                return ExpectedAnswer.For(o.Backend, userText).StartsWith(o.Text, StringComparison.Ordinal)
                    ? null
                    : HasForeignId(o.Text, userText)
                        ? "streamed text reached the wrong caller"
                        : "streamed text before the error is not a clean prefix of the answer";
            case OutcomeKind.TypedError when o.Status is 502 or 503:
                return NoBackendCodes.Contains(o.ErrorCode ?? "") ? null : $"gateway error with an unexpected code '{o.ErrorCode}'";
            case OutcomeKind.TypedError:
                return $"unexpected error status {o.Status} ({o.ErrorCode})";
            default:
                return "unknown outcome";
        }
    }

    /// <summary>Whether <paramref name="text"/> carries a request id (32 hex digits, as every suite's texts do) that is not this caller's.</summary>
    private static bool HasForeignId(string text, string userText) =>
        System.Text.RegularExpressions.Regex.Matches(text, "[0-9a-f]{32}").Any(m => !userText.Contains(m.Value, StringComparison.Ordinal));

    /// <summary>Records <paramref name="o"/> in <paramref name="findings"/>: its kind counted, and a violation when <see cref="Problem"/> finds one.</summary>
    public static bool Record(Findings findings, ChatOutcome o, string userText, string context, string? expectedSuffix = null)
    {
        findings.Count(o.Kind switch
        {
            OutcomeKind.Answer => $"{(o.Streamed ? "stream" : "plain")} answered by {o.Backend}",
            OutcomeKind.TypedError when o.Status == 200 => "stream typed error (cut after content)",
            OutcomeKind.TypedError => $"{(o.Streamed ? "stream" : "plain")} typed error {o.Status} {o.ErrorCode}",
            _ => "broken",
        });
        var problem = Problem(o, userText, expectedSuffix);
        if (problem is null)
        {
            return true;
        }

        findings.Violation(problem, $"{context}: sent '{userText}' → {o}");
        return false;
    }
}
