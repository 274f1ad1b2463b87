namespace AgentHost.Agents;

/// <summary>One or more agent files are invalid; each error names the file and the field.</summary>
internal sealed class AgentDefinitionException(IReadOnlyList<string> errors)
    : Exception(errors.Count == 1 ? errors[0] : $"{errors.Count} agent files have errors: {string.Join("; ", errors)}")
{
    /// <summary>Every error, one line each (<c>file: field: what is wrong</c>).</summary>
    public IReadOnlyList<string> Errors { get; } = errors;
}
