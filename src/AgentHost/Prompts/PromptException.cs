namespace AgentHost.Prompts;

/// <summary>
/// A prompt that cannot run as asked, for a reason the caller can read and fix: an unknown or invalid name, a missing
/// or unknown argument, a template calling a function this host lacks. <see cref="Code"/> is a stable machine-readable
/// reason (also the HTTP error code); the message is one line.
/// </summary>
internal class PromptException(string code, string message, string? param = null) : Exception(message)
{
    public const string NotFound = "prompt_not_found";
    public const string InvalidName = "invalid_prompt_name";
    public const string MissingArgument = "missing_argument";
    public const string UnknownArgument = "unknown_argument";
    public const string InvalidArgument = "invalid_argument";
    public const string FunctionMissing = "prompt_function_missing";

    /// <summary>Why: one of the constants above.</summary>
    public string Code { get; } = code;

    /// <summary>The argument at fault, when there is one.</summary>
    public string? Param { get; } = param;
}

/// <summary>No prompt by that name: the message lists the ones that exist.</summary>
internal sealed class PromptNotFoundException(string name, IReadOnlyList<string> available)
    : PromptException(NotFound, available.Count == 0
        ? $"Unknown prompt '{name}': no prompts are loaded."
        : $"Unknown prompt '{name}'. Prompts: {string.Join(", ", available)}.")
{
    public string Name { get; } = name;

    public IReadOnlyList<string> Available { get; } = available;
}

/// <summary>A template calls functions the kernel does not have (e.g. SK's sample <c>{{recall $input}}</c>).</summary>
internal sealed class PromptFunctionMissingException(string prompt, IReadOnlyList<string> functions)
    : PromptException(FunctionMissing, functions.Count == 1
        ? $"Prompt '{prompt}' calls the function '{functions[0]}', which this host does not provide."
        : $"Prompt '{prompt}' calls the functions {string.Join(", ", functions.Select(f => $"'{f}'"))}, which this host does not provide.")
{
    public IReadOnlyList<string> Functions { get; } = functions;
}
