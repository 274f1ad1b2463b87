using System.Globalization;

namespace AgentHost.Bench.Reliability.Infrastructure;

/// <summary>How one call ended, as availability counts it.</summary>
internal enum CallEnd
{
    /// <summary>A whole answer (or a tool call step).</summary>
    Answered,

    /// <summary>A stream cut after content, with the typed error naming the backend: its own category, never "no backend".</summary>
    CutAfterContent,

    /// <summary>A typed "no backend answered" (HTTP 502/503 <c>no_backend_answered</c>, or <c>FallbackExhaustedException</c> in process).</summary>
    NoBackendAnswered,

    /// <summary>Anything else (a broken reply, an untyped error): a violation of its own, counted here so the shares add up.</summary>
    Other,
}

/// <summary>
/// The availability judge: among the calls for which the fault schedule kept a backend that can serve them answering
/// from start to end (<see cref="FaultTimeline.AnyServedThroughout"/>), at most <see cref="Limit"/> (0.1 %) may end
/// with "no backend answered". Calls the schedule left without such a backend (e.g. a tool step while the one backend
/// with tools was broken) are counted apart and not judged. Cuts after content are their own, typed, category.
/// </summary>
internal sealed class Availability(string what, double limit = Availability.DefaultLimit)
{
    /// <summary>The share of "no backend answered" the goal allows while a backend is serving: 0.1 %.</summary>
    public const double DefaultLimit = 0.001;

    /// <summary>
    /// Whether a smoke run fails on a missed availability goal: yes, since the chain's deferral rule (DESIGN §2: a down
    /// or breaker-open entry is tried last instead of dropped) landed. Before it, a backend that had just mended was
    /// still skipped while its probe or breaker caught up, and a smoke's share could exceed 0.1 %.
    /// </summary>
    public const bool EnforcedInSmoke = true;

    private readonly Lock _lock = new();
    private readonly Dictionary<CallEnd, int> _covered = [];
    private readonly Dictionary<CallEnd, int> _uncovered = [];
    private readonly Dictionary<string, int> _reasons = new(StringComparer.Ordinal);
    private string? _example;

    public double Limit { get; } = limit;

    public int Covered { get { lock (_lock) { return _covered.Values.Sum(); } } }

    public int Uncovered { get { lock (_lock) { return _uncovered.Values.Sum(); } } }

    public int CoveredNoBackend { get { lock (_lock) { return _covered.GetValueOrDefault(CallEnd.NoBackendAnswered); } } }

    public int Answered { get { lock (_lock) { return _covered.GetValueOrDefault(CallEnd.Answered) + _uncovered.GetValueOrDefault(CallEnd.Answered); } } }

    public int Cuts { get { lock (_lock) { return _covered.GetValueOrDefault(CallEnd.CutAfterContent) + _uncovered.GetValueOrDefault(CallEnd.CutAfterContent); } } }

    /// <summary>Records one call. <paramref name="covered"/>: a backend that can serve it was serving throughout; <paramref name="reason"/>: for "no backend answered", a short why (kept for the report);
    /// <paramref name="detail"/>: the error the caller got; the first covered "no backend answered" one is shown whole, as evidence.</summary>
    public void Record(CallEnd end, bool covered, string? reason = null, string? detail = null)
    {
        lock (_lock)
        {
            var counts = covered ? _covered : _uncovered;
            counts[end] = counts.GetValueOrDefault(end) + 1;
            if (end == CallEnd.NoBackendAnswered && covered && reason is not null)
            {
                _reasons[reason] = _reasons.GetValueOrDefault(reason) + 1;
                _example ??= detail;
            }
        }
    }

    /// <summary>How an HTTP outcome counts.</summary>
    public static CallEnd Of(ChatOutcome o) => o.Kind switch
    {
        OutcomeKind.Answer => CallEnd.Answered,
        OutcomeKind.TypedError when o.Status == 200 && o.ErrorCode == AnswerCheck.StreamInterrupted => CallEnd.CutAfterContent,
        // 502/503, or, after progress comments went out on a stream (status 200), the no_backend_answered event.
        OutcomeKind.TypedError when o.Status is 502 or 503 or 200 && AnswerCheck.NoBackendCodes.Contains(o.ErrorCode ?? "") => CallEnd.NoBackendAnswered,
        _ => CallEnd.Other,
    };

    /// <summary>The share of "no backend answered" among the covered calls (0 when none was covered).</summary>
    public double Share => Covered == 0 ? 0 : (double)CoveredNoBackend / Covered;

    /// <summary>Judges the goal into <paramref name="findings"/>; a miss is a violation when <paramref name="enforced"/>.</summary>
    public void Judge(Findings findings, bool enforced, int minimumCovered = 1)
    {
        var goal = $"{what}: \"no backend answered\" at most {Limit * 100:0.0##} % of the calls a serving backend could answer";
        if (Covered < minimumCovered)
        {
            findings.Goal(goal, $"only {Covered} such calls (at least {minimumCovered} needed)", GoalVerdict.NotMeasured, enforced: true);
            return;
        }

        findings.Goal(goal, Summary(), Share <= Limit ? GoalVerdict.Met : GoalVerdict.Missed, enforced);
    }

    public string Summary()
    {
        lock (_lock)
        {
            var covered = _covered.Values.Sum();
            var noBackend = _covered.GetValueOrDefault(CallEnd.NoBackendAnswered);
            var text = string.Create(CultureInfo.InvariantCulture,
                $"{noBackend:#,0} of {covered:#,0} ({(covered == 0 ? 0 : 100.0 * noBackend / covered):0.000} %; limit {Limit * 100:0.0##} %); " +
                $"answered {_covered.GetValueOrDefault(CallEnd.Answered):#,0}, cut after content (typed) {_covered.GetValueOrDefault(CallEnd.CutAfterContent):#,0}");
            var uncovered = _uncovered.Values.Sum();
            if (uncovered > 0)
            {
                text += string.Create(CultureInfo.InvariantCulture,
                    $"; not judged: {uncovered:#,0} calls while no backend that serves them was up ({_uncovered.GetValueOrDefault(CallEnd.NoBackendAnswered):#,0} of them \"no backend answered\")");
            }

            if (_reasons.Count > 0)
            {
                text += "; why, by the attempt report: " + string.Join(", ", _reasons.OrderByDescending(r => r.Value).Take(4).Select(r => $"{r.Key} ×{r.Value}"));
            }

            if (_example is not null)
            {
                text += "; the first such error: " + _example;
            }

            return text;
        }
    }

    /// <summary>
    /// Why a call got "no backend answered" although one of <paramref name="servers"/> was serving: what the error message said
    /// about them (e.g. <c>Mlx: skipped (down)</c>, <c>Ollama: skipped (circuit open)</c>), for the report.
    /// </summary>
    public static string Why(string message, IEnumerable<string> servers) => string.Join(", ", servers.Select(b =>
    {
        var at = message.LastIndexOf(b + ": ", StringComparison.Ordinal); // the last entry naming it: Victoria? comes first, plain Victoria last
        if (at < 0)
        {
            return $"{b}: not named";
        }

        var said = message[(at + b.Length + 2)..];
        said = said[..Math.Max(0, said.IndexOf(';') is var semi and >= 0 ? semi : said.Length)];
        return b + ": " + (said.Contains("circuit open", StringComparison.Ordinal) ? "skipped (circuit open)"
            : said.StartsWith("skipped", StringComparison.Ordinal) && said.Contains("down", StringComparison.Ordinal) ? "skipped (down)"
            : said.Length <= 40 ? said : said[..40] + "…");
    }));
}
