namespace AgentHost.Conversations;

/// <summary>What a conversation id may be: 1 to <see cref="MaxLength"/> characters of <c>[A-Za-z0-9._:-]</c>.</summary>
public static class ConversationId
{
    /// <summary>The longest id.</summary>
    public const int MaxLength = 128;

    /// <summary>Whether <paramref name="id"/> is a valid id.</summary>
    public static bool IsValid(string? id) => Problem(id) is null;

    /// <summary>Why <paramref name="id"/> is not a valid id (one sentence), or null when it is.</summary>
    public static string? Problem(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return "A conversation id must not be empty.";
        }

        if (id.Length > MaxLength)
        {
            return $"A conversation id is at most {MaxLength} characters; this one has {id.Length}.";
        }

        return id.All(IsAllowed) ? null : "A conversation id takes only letters, digits and . _ : - (A-Za-z0-9._:-).";
    }

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="id"/> is not valid.</summary>
    public static void ThrowIfInvalid(string? id, string paramName = "id")
    {
        if (Problem(id) is { } problem)
        {
            throw new ArgumentException(problem, paramName);
        }
    }

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-';
}
