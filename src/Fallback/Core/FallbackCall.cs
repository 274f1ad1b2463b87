using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Core;

/// <summary>The state of one model call through the chain: its inputs, its planner and the attempts recorded so far.</summary>
internal sealed class FallbackCall(IReadOnlyList<ChatMessage> messages, ChatOptions? options, AttemptPlanner planner, FallbackRouteDecision route)
{
    private readonly List<FallbackAttempt> _attempts = [];

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
        FallbackTelemetry.Attempt(attempt);
    }

    public FallbackReport Report(string? backend = null, string? model = null, bool complete = true, FallbackAttempt? inProgress = null) => new()
    {
        Backend = backend,
        Model = model,
        Attempts = inProgress is null ? [.. _attempts] : [.. _attempts, inProgress],
        IsComplete = complete,
        Route = Route.Route.Name,
        ChosenBy = Route.ChosenBy,
    };
}
