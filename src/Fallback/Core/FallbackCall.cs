using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Core;

/// <summary>The state of one model call through the chain: its inputs, its planner and the attempts recorded so far.</summary>
internal sealed class FallbackCall(IReadOnlyList<ChatMessage> messages, ChatOptions? options, AttemptPlanner planner, FallbackRouteDecision route,
    FallbackTelemetry telemetry, bool streaming)
{
    private readonly List<FallbackAttempt> _attempts = [];
    private int _told;

    public IReadOnlyList<ChatMessage> Messages { get; } = messages;

    public ChatOptions? Options { get; } = options;

    public AttemptPlanner Planner { get; } = planner;

    /// <summary>The route and models chosen for this call.</summary>
    public FallbackRouteDecision Route { get; } = route;

    public List<FallbackAttempt> Attempts => _attempts;

    /// <summary>A failure not yet logged: its line names the backend tried next, which is known only later.</summary>
    public (string Backend, string Error)? PendingFailure { get; set; }

    public Exception? LastError { get; set; }

    public void Add(FallbackAttempt attempt)
    {
        _attempts.Add(attempt);
        telemetry.Attempt(attempt, streaming, Route.Route.Name);
    }

    /// <summary>
    /// The progress not yet told to a streaming caller: each failed, skipped or deferred attempt recorded since the last
    /// call, now that <paramref name="next"/> is being tried. Null when there is none (no allocation).
    /// </summary>
    public List<FallbackProgress>? TakeProgress(string next)
    {
        List<FallbackProgress>? progress = null;
        for (; _told < _attempts.Count; _told++)
        {
            var a = _attempts[_told];
            if (a.Outcome is FallbackAttemptOutcome.Failed or FallbackAttemptOutcome.Deferred
                || (a.Outcome is FallbackAttemptOutcome.Skipped && a.SkipReason != AttemptPlanner.DisabledReason))
            {
                (progress ??= []).Add(new FallbackProgress
                {
                    Backend = a.Backend,
                    Outcome = a.Outcome,
                    Reason = a.Error ?? a.SkipReason,
                    Next = next,
                    Route = Route.Route.Name,
                    ChosenBy = Route.ChosenBy,
                });
            }
        }

        return progress;
    }

    /// <summary>
    /// The report of the call so far. A complete one is the call's last word (nothing is recorded after it), so it
    /// keeps the attempts list itself instead of a copy; one made while the call goes on (a stream's first update) copies.
    /// </summary>
    public FallbackReport Report(string? backend = null, string? model = null, bool complete = true, FallbackAttempt? inProgress = null) => new()
    {
        Backend = backend,
        Model = model,
        Attempts = inProgress is not null ? [.. _attempts, inProgress] : complete ? _attempts : [.. _attempts],
        IsComplete = complete,
        Route = Route.Route.Name,
        ChosenBy = Route.ChosenBy,
    };
}
