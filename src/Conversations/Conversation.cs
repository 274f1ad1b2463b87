namespace AgentHost.Conversations;

/// <summary>A stored conversation as listed: no messages.</summary>
/// <param name="Id">Its id (<see cref="ConversationId"/>).</param>
/// <param name="Title">The first user message, shortened (<see cref="ConversationTitle"/>).</param>
/// <param name="UpdatedAt">When its last turn was stored.</param>
/// <param name="Turns">How many turns it holds, whatever their status.</param>
public sealed record ConversationSummary(string Id, string Title, DateTimeOffset UpdatedAt, int Turns);

/// <summary>A stored conversation with its messages, in order (two per turn: the user's, then the answer).</summary>
/// <param name="Id">Its id.</param>
/// <param name="Title">The first user message, shortened.</param>
/// <param name="CreatedAt">When its first turn was stored.</param>
/// <param name="UpdatedAt">When its last turn was stored.</param>
/// <param name="Messages">The messages in order.</param>
public sealed record Conversation(string Id, string Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<ConversationMessage> Messages)
{
    /// <summary>The number of turns (a user message and its answer each).</summary>
    public int Turns => Messages.Count / 2;
}

/// <summary>One stored message.</summary>
/// <param name="Role"><c>user</c> or <c>assistant</c> (<see cref="ConversationRoles"/>).</param>
/// <param name="Text">The text.</param>
/// <param name="Backend">For an answer, the backend that gave it.</param>
/// <param name="Model">For an answer, the model that gave it.</param>
/// <param name="Status">The status of the message's turn (the user message shares it).</param>
/// <param name="Error">For an interrupted or failed answer, why.</param>
/// <param name="CreatedAt">When the turn was stored.</param>
public sealed record ConversationMessage(string Role, string Text, string? Backend, string? Model, TurnStatus Status, string? Error, DateTimeOffset CreatedAt);

/// <summary>The roles of stored messages.</summary>
public static class ConversationRoles
{
    /// <summary>The user's message.</summary>
    public const string User = "user";

    /// <summary>The answer.</summary>
    public const string Assistant = "assistant";
}
