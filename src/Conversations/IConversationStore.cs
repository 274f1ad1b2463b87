namespace AgentHost.Conversations;

/// <summary>
/// Stored conversations: each a sequence of turns (the user's message and the answer, with the backend and model that
/// answered and the turn's <see cref="TurnStatus"/>). Implementations are safe for concurrent use, also by several
/// processes on one database: concurrent appends to one conversation each get their own turn, none is lost.
/// </summary>
public interface IConversationStore
{
    /// <summary>The conversations, most recently updated first (at most <paramref name="limit"/>).</summary>
    Task<IReadOnlyList<ConversationSummary>> ListAsync(int limit = 500, CancellationToken cancellationToken = default);

    /// <summary>The conversation <paramref name="id"/> with its messages in order, or null when there is none.</summary>
    Task<Conversation?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends <paramref name="turn"/> to conversation <paramref name="id"/>, creating it (titled after the turn's user
    /// message) when it does not exist. Returns the turn's number in the conversation (1 for the first).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is not a valid <see cref="ConversationId"/>.</exception>
    Task<int> AppendTurnAsync(string id, ConversationTurn turn, CancellationToken cancellationToken = default);

    /// <summary>Deletes conversation <paramref name="id"/>; false when there was none.</summary>
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);
}

/// <summary>A store whose schema can be brought up to date ahead of its first operation (e.g. when a service starts).</summary>
public interface IMigratableConversationStore
{
    /// <summary>Creates the database's tables, or migrates them to this code's version; throws <see cref="ConversationStoreException"/> when it cannot (down, newer than the code).</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);
}
