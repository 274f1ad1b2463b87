namespace AgentHost.Agents;

/// <summary>One function an agent called during a run.</summary>
/// <param name="Plugin">The plugin, e.g. <c>math</c>.</param>
/// <param name="Function">The function, e.g. <c>evaluate</c>.</param>
/// <param name="Arguments">The arguments the model passed, as text.</param>
/// <param name="Result">What the function returned (null when it failed or was not run).</param>
/// <param name="Error">Why it failed or was not run (null when it succeeded); the model is told this text.</param>
/// <param name="Step">The model step (0-based) that asked for the call.</param>
/// <param name="Backend">The backend whose answer asked for the call, when known.</param>
internal sealed record AgentFunctionCall(
    string? Plugin, string Function, IReadOnlyDictionary<string, string?> Arguments, string? Result, string? Error, int Step, string? Backend);
