namespace AgentHost.Conversations;

/// <summary>The store could not do what was asked: the database is unreachable, full, or newer than this code.</summary>
public sealed class ConversationStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConversationStoreException()
    {
    }

    /// <summary>Creates the exception with its one-line message.</summary>
    public ConversationStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its one-line message and the database's own error.</summary>
    public ConversationStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
