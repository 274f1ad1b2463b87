namespace AgentHost.Conversations;

/// <summary>A conversation's title: its first user message on one line, shortened to <see cref="MaxLength"/> characters at a word.</summary>
public static class ConversationTitle
{
    /// <summary>The longest title, the ellipsis included.</summary>
    public const int MaxLength = 60;

    /// <summary>The title for a conversation whose first user message is <paramref name="firstUserMessage"/>.</summary>
    public static string From(string firstUserMessage)
    {
        var line = string.Join(' ', firstUserMessage.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (line.Length <= MaxLength)
        {
            return line;
        }

        var cut = line[..(MaxLength - 1)];
        var space = cut.LastIndexOf(' ');
        return (space > MaxLength / 2 ? cut[..space] : cut).TrimEnd() + "…";
    }
}
