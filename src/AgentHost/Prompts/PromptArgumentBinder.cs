using Microsoft.SemanticKernel;

namespace AgentHost.Prompts;

/// <summary>
/// Turns a caller's arguments into the <see cref="KernelArguments"/> of one prompt: unknown names are refused (listing the
/// prompt's variables), defaults fill what is not passed, and a required variable with neither a value nor a default is
/// refused naming it and the prompt. Every variable gets a value (empty when optional), so the template never meets a
/// missing one. Values are data: SK inserts them into the template as text (HTML-encoded), never as template code.
/// </summary>
internal static class PromptArgumentBinder
{
    public static KernelArguments Bind(PromptInfo prompt, IReadOnlyDictionary<string, string?> supplied)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(supplied);
        var unknown = supplied.Keys.Where(k => prompt.FindVariable(k) is null).ToList();
        if (unknown.Count > 0)
        {
            var which = unknown.Count == 1 ? $"argument '{unknown[0]}'" : $"arguments {string.Join(", ", unknown.Select(u => $"'{u}'"))}";
            throw new PromptException(PromptException.UnknownArgument,
                $"Prompt '{prompt.Name}' has no {which}. Its variables: {prompt.DescribeVariables()}.", unknown[0]);
        }

        var values = new Dictionary<string, string?>(supplied, StringComparer.OrdinalIgnoreCase);
        var arguments = new KernelArguments();
        var missing = new List<PromptVariableInfo>();
        foreach (var variable in prompt.Variables)
        {
            var value = values.GetValueOrDefault(variable.Name);
            if (string.IsNullOrEmpty(value))
            {
                value = variable.Default;
            }

            if (string.IsNullOrEmpty(value) && variable.IsRequired)
            {
                missing.Add(variable);
            }

            arguments[variable.Name] = value ?? "";
        }

        if (missing.Count > 0)
        {
            var which = string.Join(", ", missing.Select(m => string.IsNullOrEmpty(m.Description) ? $"'{m.Name}'" : $"'{m.Name}' ({m.Description.TrimEnd('.')})"));
            throw new PromptException(PromptException.MissingArgument,
                $"Prompt '{prompt.Name}' needs the argument{(missing.Count == 1 ? "" : "s")} {which}.", missing[0].Name);
        }

        return arguments;
    }
}
