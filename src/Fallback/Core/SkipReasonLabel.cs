namespace AgentHost.Fallback.Core;

/// <summary>
/// The <c>reason</c> label of a skipped or deferred attempt in metrics: one of a few fixed words for the planner's
/// reasons (<see cref="FallbackAttempt.SkipReason"/> is a sentence for people, with health texts, token counts and model
/// names in it, which would give a series per distinct text). Unknown texts are <c>other</c>, so the label stays bounded
/// whatever the planner says next.
/// </summary>
internal static class SkipReasonLabel
{
    /// <summary>The label of <paramref name="reason"/>, e.g. <c>circuit_open</c> for <c>circuit open</c>.</summary>
    public static string Of(string? reason) => reason switch
    {
        null or "" => "other",
        AttemptPlanner.DisabledReason => "disabled",
        "no tool support" => "no_tools",
        "options could not be read" => "invalid_options",
        "circuit open" => "circuit_open",
        _ when reason.StartsWith("circuit open after a timeout", StringComparison.Ordinal) => "circuit_open_timeout",
        _ when reason.StartsWith("used only when healthy", StringComparison.Ordinal) => "optional_not_healthy",
        _ when reason.StartsWith("down", StringComparison.Ordinal) => "down",
        _ when reason.StartsWith("request of ~", StringComparison.Ordinal) || reason.StartsWith("context window", StringComparison.Ordinal) => "context_window",
        _ when reason.StartsWith("no usable model", StringComparison.Ordinal) => "no_model",
        _ => "other",
    };
}
