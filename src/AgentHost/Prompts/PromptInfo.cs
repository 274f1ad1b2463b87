namespace AgentHost.Prompts;

/// <summary>One prompt template the library loaded: what <c>run</c> with no name and <c>GET /prompts</c> list.</summary>
/// <param name="Name">The name to run it by: <c>summarize</c>, or <c>Plugin.Function</c> for SK's nested layout.</param>
/// <param name="FunctionName">Its SK function name in the <see cref="PromptLibrary.PluginName"/> plugin (letters, digits, underscores).</param>
/// <param name="Description">What it does.</param>
/// <param name="Variables">Its input variables: the declared ones first, then any the template uses without declaring.</param>
/// <param name="Source">The file it came from (<c>config.json</c>/<c>skprompt.txt</c> folder, or the YAML file).</param>
internal sealed record PromptInfo(string Name, string FunctionName, string Description, IReadOnlyList<PromptVariableInfo> Variables, string Source)
{
    /// <summary>The variable called <paramref name="name"/> (case-insensitive, as SK's arguments are), if any.</summary>
    public PromptVariableInfo? FindVariable(string name) =>
        Variables.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The variables as a person reads them: <c>input (required); language = English</c> (defaults may hold commas).</summary>
    public string DescribeVariables(string separator = "; ") =>
        Variables.Count == 0 ? "(none)" : string.Join(separator, Variables.Select(v => v.Describe()));
}

/// <summary>One input variable of a prompt.</summary>
/// <param name="Name">The name the template uses (<c>{{$name}}</c>).</param>
/// <param name="Description">What to pass.</param>
/// <param name="Default">The value used when none is passed (null: none).</param>
/// <param name="IsRequired">Whether a run without a non-empty value (and no non-empty default) is refused.</param>
internal sealed record PromptVariableInfo(string Name, string Description, string? Default, bool IsRequired)
{
    /// <summary><c>input (required)</c>, <c>language = English</c> or just <c>style</c>.</summary>
    public string Describe() =>
        IsRequired && string.IsNullOrEmpty(Default) ? $"{Name} (required)"
        : string.IsNullOrEmpty(Default) ? Name
        : $"{Name} = {Default}";
}

/// <summary>A prompt file that could not be loaded; the other prompts load regardless.</summary>
/// <param name="Source">The file (or folder) at fault.</param>
/// <param name="Message">Why it was skipped.</param>
internal sealed record PromptLoadError(string Source, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Source}: {Message}";
}
