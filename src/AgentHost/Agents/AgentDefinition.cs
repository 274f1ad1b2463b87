namespace AgentHost.Agents;

/// <summary>How the model may call an agent's functions (<c>function_choice</c> in an agent file).</summary>
internal enum AgentFunctionChoice
{
    /// <summary>The model decides whether to call functions (the default).</summary>
    Auto,

    /// <summary>The model must call a function on the first step.</summary>
    Required,

    /// <summary>Functions are described to the model but never called.</summary>
    None,
}

/// <summary>
/// An agent as defined in a file under <c>AgentHost:AgentsPath</c>: instructions (inline or a prompt reference), the
/// plugins it may use, execution settings and the most function-calling steps it may take.
/// </summary>
internal sealed record AgentDefinition
{
    /// <summary>The agent's name (the file name unless the file says otherwise), as typed after <c>agent</c>.</summary>
    public required string Name { get; init; }

    /// <summary>One line saying what the agent is for.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>The system instructions, inline; <see langword="null"/> when <see cref="Prompt"/> is used.</summary>
    public string? Instructions { get; init; }

    /// <summary>The name of a prompt template whose rendering is the instructions; <see langword="null"/> when inline.</summary>
    public string? Prompt { get; init; }

    /// <summary>Arguments the prompt template is rendered with (the goal is also passed as <c>goal</c> and <c>input</c>).</summary>
    public IReadOnlyDictionary<string, string> PromptArguments { get; init; } = new Dictionary<string, string>();

    /// <summary>The plugins (by name) whose functions the agent may call.</summary>
    public IReadOnlyList<string> Plugins { get; init; } = [];

    /// <summary>Sampling temperature, when set.</summary>
    public double? Temperature { get; init; }

    /// <summary>The most tokens per model call, when set.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>How the model may call functions.</summary>
    public AgentFunctionChoice FunctionChoice { get; init; } = AgentFunctionChoice.Auto;

    /// <summary>The most model steps that may call functions; after them the agent answers without tools.</summary>
    public int MaxSteps { get; init; } = DefaultMaxSteps;

    /// <summary>The file the agent was read from.</summary>
    public string SourcePath { get; init; } = string.Empty;

    /// <summary>The default of <see cref="MaxSteps"/>.</summary>
    public const int DefaultMaxSteps = 8;

    /// <summary>The largest <see cref="MaxSteps"/> a file may ask for.</summary>
    public const int MaxMaxSteps = 50;
}
