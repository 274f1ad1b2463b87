using AgentHost.Fallback;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.SemanticKernel;

namespace AgentHost.Prompts;

/// <summary>What a prompt answered, and where the answer came from.</summary>
internal sealed record PromptAnswer(string Text, FallbackReport? Report);

/// <summary>A prompt with its arguments checked and bound, ready to run on <see cref="Kernel"/>.</summary>
internal sealed record PreparedPrompt(PromptInfo Info, KernelFunction Function, Kernel Kernel, KernelArguments Arguments);

/// <summary>
/// The prompt templates of <c>AgentHost:PromptsPath</c>, loaded once on first use: listed (<see cref="Prompts"/>), exposed to
/// the kernel as the <see cref="PluginName"/> plugin (<see cref="Plugin"/>), and run by name with arguments through the
/// kernel's chat service (the fallback chain), the prompt's execution settings included.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "RunAsync and StreamAsync of a prepared prompt are the library's API beside the overloads that prepare it first.")]
internal sealed partial class PromptLibrary
{
    /// <summary>The SK plugin name of the prompt functions.</summary>
    public const string PluginName = "prompts";

    private readonly Lazy<(PromptCatalog Catalog, KernelPlugin Plugin)> _loaded;
    private readonly IServiceProvider _services;

    public PromptLibrary(string root, IServiceProvider services, ILoggerFactory? loggerFactory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(services);
        _services = services;
        loggerFactory ??= NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<PromptLibrary>();
        _loaded = new(() =>
        {
            var catalog = PromptCatalog.Load(root, loggerFactory);
            foreach (var error in catalog.Errors)
            {
                LogSkipped(logger, error.Source, error.Message);
            }

            LogLoaded(logger, catalog.Prompts.Count, catalog.Root);
            var plugin = KernelPluginFactory.CreateFromFunctions(PluginName,
                "Prompt templates: each function renders its template with the arguments and answers through the chat service.",
                catalog.Prompts.Select(p => p.Function));
            return (catalog, plugin);
        });
    }

    /// <summary>The folder the prompts come from (full path).</summary>
    public string Root => _loaded.Value.Catalog.Root;

    /// <summary>Every prompt that loaded, by name.</summary>
    public IReadOnlyList<PromptInfo> Prompts => [.. _loaded.Value.Catalog.Prompts.Select(p => p.Info)];

    /// <summary>The prompt files that did not load, and why.</summary>
    public IReadOnlyList<PromptLoadError> LoadErrors => _loaded.Value.Catalog.Errors;

    /// <summary>The prompts as one SK plugin (function names: <see cref="PromptInfo.FunctionName"/>).</summary>
    public KernelPlugin Plugin => _loaded.Value.Plugin;

    /// <summary>
    /// The prompt called <paramref name="name"/> (case-insensitive), or, for SK's nested layout, the only prompt whose function
    /// part is <paramref name="name"/> (<c>Joke</c> for <c>FunPlugin.Joke</c>). Names are looked up, never used as paths.
    /// </summary>
    /// <exception cref="PromptException">The name is not a prompt name (a path, <c>..</c>) or no prompt has it.</exception>
    public PromptInfo Get(string name) => Find(name).Info;

    /// <summary>Checks <paramref name="arguments"/> against the prompt's variables and the kernel against the functions its template calls.</summary>
    /// <exception cref="PromptException">Unknown prompt, unknown or missing argument, or a function the kernel lacks.</exception>
    public PreparedPrompt Prepare(string name, IReadOnlyDictionary<string, string?> arguments)
    {
        var prompt = Find(name);
        var bound = PromptArgumentBinder.Bind(prompt.Info, arguments);
        var kernel = _services.GetRequiredService<Kernel>();
        var missing = prompt.CalledFunctions.Where(id => !HasFunction(kernel, id)).ToList();
        if (missing.Count > 0)
        {
            throw new PromptFunctionMissingException(prompt.Info.Name, missing);
        }

        return new PreparedPrompt(prompt.Info, Plugin[prompt.Info.FunctionName], kernel, bound);
    }

    /// <summary>
    /// The prepared prompt with the caller's route/model choice (<c>run --route/--model</c>, <c>POST /prompts/{name}?model=</c>)
    /// added to its execution settings' extension data (<c>agenthost.route</c>, <c>agenthost.model</c>), the prompt's own
    /// settings (temperature, max tokens, ...) kept. The chain reads the choice from there, strictly.
    /// </summary>
    public static PreparedPrompt WithRoute(PreparedPrompt prompt, Routing.RouteChoice? choice)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (choice is null)
        {
            return prompt;
        }

        var settings = choice.ApplyTo(prompt.Arguments.ExecutionSettings ?? prompt.Function.ExecutionSettings);
        return prompt with { Arguments = new KernelArguments(prompt.Arguments, settings) };
    }

    /// <summary>Runs a prepared prompt and returns the whole answer with its <see cref="FallbackReport"/>.</summary>
    public async Task<PromptAnswer> RunAsync(PreparedPrompt prompt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var result = await prompt.Function.InvokeAsync(prompt.Kernel, prompt.Arguments, cancellationToken);
        var text = result.GetValue<ChatMessageContent>()?.Content ?? result.ToString();
        return new PromptAnswer(text, result.GetFallbackReport());
    }

    /// <summary>Prepares and runs <paramref name="name"/>.</summary>
    public Task<PromptAnswer> RunAsync(string name, IReadOnlyDictionary<string, string?> arguments, CancellationToken cancellationToken) =>
        RunAsync(Prepare(name, arguments), cancellationToken);

    /// <summary>Runs a prepared prompt, streaming the answer; the first and last chunks carry the <see cref="FallbackReport"/>.</summary>
    public IAsyncEnumerable<StreamingChatMessageContent> StreamAsync(PreparedPrompt prompt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return prompt.Function.InvokeStreamingAsync<StreamingChatMessageContent>(prompt.Kernel, prompt.Arguments, cancellationToken);
    }

    private LoadedPrompt Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!PromptCatalog.NamePattern().IsMatch(name) || name.Contains("..", StringComparison.Ordinal))
        {
            throw new PromptException(PromptException.InvalidName,
                $"'{name}' is not a prompt name: names are like 'summarize' or 'FunPlugin.Joke' (no paths, no '..').");
        }

        var prompts = _loaded.Value.Catalog.Prompts;
        var exact = prompts.FirstOrDefault(p => string.Equals(p.Info.Name, name, StringComparison.OrdinalIgnoreCase));
        if (exact is not null)
        {
            return exact;
        }

        var byFunction = prompts.Where(p => p.Info.Name.EndsWith("." + name, StringComparison.OrdinalIgnoreCase)).ToList();
        return byFunction.Count == 1 ? byFunction[0] : throw new PromptNotFoundException(name, [.. prompts.Select(p => p.Info.Name)]);
    }

    private static bool HasFunction(Kernel kernel, string id)
    {
        var dot = id.IndexOf('.', StringComparison.Ordinal);
        return dot < 0
            ? kernel.Plugins.TryGetFunction(null, id, out _)
            : kernel.Plugins.TryGetFunction(id[..dot], id[(dot + 1)..], out _);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Prompt skipped: {Source}: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string source, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Loaded {Count} prompts from {Root}")]
    private static partial void LogLoaded(ILogger logger, int count, string root);
}
