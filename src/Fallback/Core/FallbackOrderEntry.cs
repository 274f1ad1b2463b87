namespace AgentHost.Fallback.Core;

/// <summary>One entry of the fallback order: a backend name and whether it is used only when healthy (<c>Name?</c>).</summary>
internal readonly record struct FallbackOrderEntry(string Name, bool OnlyIfHealthy)
{
    public static FallbackOrderEntry Parse(string entry)
    {
        var text = entry.Trim();
        var optional = text.EndsWith('?');
        return new FallbackOrderEntry(optional ? text[..^1].Trim() : text, optional);
    }

    public override string ToString() => OnlyIfHealthy ? Name + "?" : Name;
}
