using System.Text.Json;
using System.Text.Json.Serialization;
using AgentHost.Fallback;

namespace AgentHost.Cli;

/// <summary>The <c>ask --json</c> shape of DESIGN §5: <c>{"text","backend","model","attempts":[{"backend","outcome","durationMs","error"}]}</c>;
/// a skipped attempt says why in <c>reason</c>; <c>route</c> and <c>chosenBy</c> say which route was taken and what chose it.</summary>
internal static class AnswerJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static string Serialize(string? text, FallbackReport? report) => JsonSerializer.Serialize(
        new Answer(
            text,
            report?.Backend,
            report?.Model,
            report?.Route,
            report?.ChosenBy,
            report?.Attempts.Select(a => new Attempt(
                a.Backend,
                a.Outcome.ToString().ToLowerInvariant(),
                Math.Round(a.Duration.TotalMilliseconds, 1),
                a.TimeToFirstToken is { } t ? Math.Round(t.TotalMilliseconds, 1) : null,
                a.Error,
                a.SkipReason,
                a.Model,
                a.SubstitutedFor)).ToList() ?? []),
        Options);

    private sealed record Answer(string? Text, string? Backend, string? Model, string? Route, string? ChosenBy, List<Attempt> Attempts);

    private sealed record Attempt(string Backend, string Outcome, double DurationMs, double? TimeToFirstTokenMs, string? Error, string? Reason,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Model,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SubstitutedFor);
}
