namespace AgentHost.Conversations;

/// <summary>One turn to store: the user's message and what came back.</summary>
/// <param name="UserText">The user's message.</param>
/// <param name="AnswerText">The answer's text: whole when <see cref="TurnStatus.Complete"/>, what arrived when interrupted, usually empty when failed.</param>
/// <param name="Backend">The backend that answered (null when none did).</param>
/// <param name="Model">The model that answered.</param>
/// <param name="Status">How the turn ended.</param>
/// <param name="Error">Why it was cut or failed (null when complete).</param>
public sealed record ConversationTurn(string UserText, string AnswerText, string? Backend, string? Model, TurnStatus Status, string? Error = null);
