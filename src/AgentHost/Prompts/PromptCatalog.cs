using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.SemanticKernel;

namespace AgentHost.Prompts;

/// <summary>A loaded prompt: what it is, its SK function, and the functions its template calls.</summary>
internal sealed record LoadedPrompt(PromptInfo Info, KernelFunction Function, IReadOnlyList<string> CalledFunctions);

/// <summary>
/// Every prompt under one folder. Layout (both SK's and ours): <c>name.yaml</c> and <c>name/skprompt.txt</c> (+ <c>config.json</c>)
/// at the top are prompts named <c>name</c>; one level down, <c>Plugin/Function/skprompt.txt</c> and <c>Plugin/name.yaml</c>
/// are named <c>Plugin.Function</c> (SK's sample layout). A file that does not load is a <see cref="PromptLoadError"/> naming
/// it; the rest load regardless.
/// </summary>
internal sealed partial class PromptCatalog
{
    private PromptCatalog(string root, IReadOnlyList<LoadedPrompt> prompts, IReadOnlyList<PromptLoadError> errors)
    {
        Root = root;
        Prompts = prompts;
        Errors = errors;
    }

    /// <summary>The folder the prompts came from (full path).</summary>
    public string Root { get; }

    public IReadOnlyList<LoadedPrompt> Prompts { get; }

    public IReadOnlyList<PromptLoadError> Errors { get; }

    /// <summary>Names a person may type: <c>summarize</c>, <c>FunPlugin.Joke</c>; one dot at most, no path characters.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_-]*(\.[A-Za-z0-9_][A-Za-z0-9_-]*)?$")]
    public static partial Regex NamePattern();

    public static PromptCatalog Load(string root, ILoggerFactory loggerFactory)
    {
        root = Path.GetFullPath(root);
        var prompts = new List<LoadedPrompt>();
        var errors = new List<PromptLoadError>();
        if (!Directory.Exists(root))
        {
            errors.Add(new PromptLoadError(root, "the prompts folder does not exist (set AgentHost:PromptsPath)."));
            return new PromptCatalog(root, prompts, errors);
        }

        foreach (var (name, source, isYaml) in Discover(root, errors))
        {
            try
            {
                if (prompts.FirstOrDefault(p => string.Equals(p.Info.Name, name, StringComparison.OrdinalIgnoreCase)
                    || string.Equals(p.Info.FunctionName, FunctionName(name), StringComparison.OrdinalIgnoreCase)) is { } clash)
                {
                    throw new InvalidDataException($"its name '{name}' clashes with the prompt '{clash.Info.Name}' ({clash.Info.Source}).");
                }

                var file = isYaml
                    ? PromptFileReader.ReadYaml(source)
                    : PromptFileReader.ReadDirectory(source);
                prompts.Add(Create(name, source, file, loggerFactory));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Whatever SK's prompt parsers throw for one bad file (they throw many types): that prompt fails to load, the rest load.
                errors.Add(new PromptLoadError(Describe(source, isYaml), e is InvalidDataException ? e.Message : $"{e.GetType().Name}: {e.Message}"));
            }
        }

        prompts.Sort((a, b) => StringComparer.OrdinalIgnoreCase.Compare(a.Info.Name, b.Info.Name));
        return new PromptCatalog(root, prompts, errors);
    }

    private static string Describe(string source, bool isYaml)
    {
        if (isYaml)
        {
            return source;
        }

        var config = Path.Combine(source, PromptFileReader.ConfigFileName);
        return File.Exists(config) ? config : Path.Combine(source, PromptFileReader.TemplateFileName);
    }

    private static IEnumerable<(string Name, string Source, bool IsYaml)> Discover(string root, List<PromptLoadError> errors)
    {
        foreach (var entry in Visible(root))
        {
            if (IsYaml(entry))
            {
                yield return (Path.GetFileNameWithoutExtension(entry), entry, true);
            }
            else if (Directory.Exists(entry))
            {
                var folder = Path.GetFileName(entry);
                if (IsPromptDirectory(entry, errors))
                {
                    yield return (folder, entry, false);
                    continue;
                }

                foreach (var child in Visible(entry))
                {
                    if (IsYaml(child))
                    {
                        yield return ($"{folder}.{Path.GetFileNameWithoutExtension(child)}", child, true);
                    }
                    else if (Directory.Exists(child) && IsPromptDirectory(child, errors))
                    {
                        yield return ($"{folder}.{Path.GetFileName(child)}", child, false);
                    }
                }
            }
        }
    }

    private static IEnumerable<string> Visible(string folder) =>
        Directory.EnumerateFileSystemEntries(folder).Where(e => !Path.GetFileName(e).StartsWith('.')).Order(StringComparer.Ordinal);

    private static bool IsYaml(string path) =>
        File.Exists(path) && (path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase));

    private static bool IsPromptDirectory(string folder, List<PromptLoadError> errors)
    {
        if (File.Exists(Path.Combine(folder, PromptFileReader.TemplateFileName)))
        {
            return true;
        }

        var config = Path.Combine(folder, PromptFileReader.ConfigFileName);
        if (File.Exists(config))
        {
            errors.Add(new PromptLoadError(config, $"there is no {PromptFileReader.TemplateFileName} beside it."));
        }

        return false;
    }

    private static LoadedPrompt Create(string name, string source, PromptFile file, ILoggerFactory loggerFactory)
    {
        if (!NamePattern().IsMatch(name))
        {
            throw new InvalidDataException($"'{name}' cannot be a prompt name: use letters, digits, '_' and '-'.");
        }

        var config = file.Config;
        if (!string.IsNullOrEmpty(config.TemplateFormat) && config.TemplateFormat != PromptTemplateConfig.SemanticKernelTemplateFormat)
        {
            throw new InvalidDataException($"template_format '{config.TemplateFormat}' is not supported here (only '{PromptTemplateConfig.SemanticKernelTemplateFormat}').");
        }

        // The name a person runs it by is the file's; SK's function name must be letters, digits and underscores.
        config.Name = FunctionName(name);
        var declared = config.InputVariables.Select(v => v.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        IPromptTemplate template;
        try
        {
            // Also adds the variables the template uses but the config does not declare.
            template = new KernelPromptTemplateFactory(loggerFactory).Create(config);
        }
        catch (KernelException e)
        {
            throw new InvalidDataException($"the template does not parse: {e.Message}", e);
        }

        var function = KernelFunctionFactory.CreateFromPrompt(template, config, loggerFactory);
        var variables = config.InputVariables.Select(v => new PromptVariableInfo(
            v.Name,
            v.Description,
            DefaultText(v.Default),
            declared.Contains(v.Name) && file.ExplicitlyRequired.Contains(v.Name))).ToList();
        var info = new PromptInfo(name, config.Name, config.Description ?? "", variables, source);
        return new LoadedPrompt(info, function, TemplateFunctionScanner.FindFunctionCalls(config.Template));
    }

    public static string FunctionName(string promptName) => Regex.Replace(promptName, "[^A-Za-z0-9_]", "_");

    private static string? DefaultText(object? value) => value switch
    {
        null => null,
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        JsonElement e => e.GetRawText(),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
    };
}
