namespace AgentHost.Conversations;

/// <summary>How a stored turn ended.</summary>
public enum TurnStatus
{
    /// <summary>The answer arrived whole.</summary>
    Complete,

    /// <summary>The answer began but was cut (the backend broke off, or the caller went away): the text is what arrived.</summary>
    Interrupted,

    /// <summary>No answer: the chain gave up (the turn's error says why).</summary>
    Failed,
}

/// <summary>The names statuses are stored and shown by: <c>complete</c>, <c>interrupted</c>, <c>failed</c>.</summary>
public static class TurnStatusNames
{
    /// <summary>The lower-case name of <paramref name="status"/>.</summary>
    public static string ToName(this TurnStatus status) => status switch
    {
        TurnStatus.Complete => "complete",
        TurnStatus.Interrupted => "interrupted",
        TurnStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>The status named <paramref name="name"/> (as <see cref="ToName"/> writes it).</summary>
    public static TurnStatus Parse(string name) => name switch
    {
        "complete" => TurnStatus.Complete,
        "interrupted" => TurnStatus.Interrupted,
        "failed" => TurnStatus.Failed,
        _ => throw new FormatException($"'{name}' is not a turn status."),
    };
}
