using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AgentHost.Agents;

/// <summary>
/// Turns one agent file into an <see cref="AgentDefinition"/>, checking every field: each error names the file and
/// the field (<c>agents/x.yaml: plugins[1]: unknown plugin 'foo' (available: ...)</c>).
/// </summary>
internal static partial class AgentDefinitionReader
{
    private static readonly string[] TopFields = ["name", "description", "instructions", "prompt", "prompt_arguments", "plugins", "execution_settings", "max_steps"];
    private static readonly string[] SettingsFields = ["temperature", "max_tokens", "function_choice"];

    /// <summary>Reads and checks the file at <paramref name="path"/>; <paramref name="errors"/> receives every problem found.</summary>
    public static AgentDefinition? Read(string path, string displayPath, IReadOnlyCollection<string> knownPlugins, List<string> errors)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException e)
        {
            errors.Add($"{displayPath}: cannot be read: {e.Message}");
            return null;
        }

        var root = AgentFileParser.Parse(text, Path.GetExtension(path), out var syntaxError);
        if (root is null)
        {
            errors.Add($"{displayPath}: {syntaxError}");
            return null;
        }

        var before = errors.Count;
        void Error(string field, string what) => errors.Add($"{displayPath}: {field}: {what}");

        Unknown(root, TopFields, string.Empty, Error);
        var fileName = Path.GetFileNameWithoutExtension(path);
        var name = String(root, "name", Error) ?? fileName;
        if (!NamePattern().IsMatch(name))
        {
            Error("name", $"'{name}' is not a valid agent name (letters, digits, '-', '_' and '.', starting with a letter or digit)");
        }

        var instructions = String(root, "instructions", Error);
        var prompt = String(root, "prompt", Error);
        if (string.IsNullOrWhiteSpace(instructions) && string.IsNullOrWhiteSpace(prompt) && errors.Count == before)
        {
            Error("instructions", "missing: give the agent's instructions inline ('instructions: ...') or name a prompt template ('prompt: <name>')");
        }
        else if (!string.IsNullOrWhiteSpace(instructions) && !string.IsNullOrWhiteSpace(prompt))
        {
            Error("prompt", "give either 'instructions' or 'prompt', not both");
        }

        var promptArguments = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root["prompt_arguments"] is { } argsNode)
        {
            if (argsNode is not JsonObject args)
            {
                Error("prompt_arguments", "must be a mapping of argument names to values");
            }
            else
            {
                foreach (var (key, value) in args)
                {
                    if (value is JsonValue v && v.GetValueKind() is not JsonValueKind.Null)
                    {
                        promptArguments[key] = v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
                    }
                    else
                    {
                        Error($"prompt_arguments.{key}", "must be a single value");
                    }
                }
            }
        }

        var plugins = Plugins(root["plugins"], knownPlugins, Error);
        double? temperature = null;
        int? maxTokens = null;
        var choice = AgentFunctionChoice.Auto;
        if (root["execution_settings"] is { } settingsNode)
        {
            if (settingsNode is not JsonObject settings)
            {
                Error("execution_settings", "must be a mapping (temperature, max_tokens, function_choice)");
            }
            else
            {
                Unknown(settings, SettingsFields, "execution_settings.", Error);
                temperature = Number(settings, "temperature", 0, 2, "execution_settings.temperature", Error);
                maxTokens = (int?)Number(settings, "max_tokens", 1, 1_000_000, "execution_settings.max_tokens", Error, integer: true);
                var choiceText = String(settings, "function_choice", (_, what) => Error("execution_settings.function_choice", what));
                if (choiceText is not null && (int.TryParse(choiceText, out _) || !Enum.TryParse(choiceText.Trim(), ignoreCase: true, out choice)))
                {
                    Error("execution_settings.function_choice", $"'{choiceText}' is not one of: auto, required, none");
                    choice = AgentFunctionChoice.Auto;
                }
            }
        }

        var maxSteps = (int?)Number(root, "max_steps", 1, AgentDefinition.MaxMaxSteps, "max_steps", Error, integer: true);
        if (plugins.Count == 0 && choice == AgentFunctionChoice.Required)
        {
            Error("execution_settings.function_choice", "'required' needs at least one plugin");
        }

        return errors.Count > before ? null : new AgentDefinition
        {
            Name = name,
            Description = String(root, "description", Error)?.Trim() ?? string.Empty,
            Instructions = instructions,
            Prompt = prompt?.Trim(),
            PromptArguments = promptArguments,
            Plugins = plugins,
            Temperature = temperature,
            MaxTokens = maxTokens,
            FunctionChoice = choice,
            MaxSteps = maxSteps ?? AgentDefinition.DefaultMaxSteps,
            SourcePath = path,
        };
    }

    private static List<string> Plugins(JsonNode? node, IReadOnlyCollection<string> knownPlugins, Action<string, string> error)
    {
        var plugins = new List<string>();
        var items = node switch
        {
            null => [],
            JsonArray array => array.ToList(),
            JsonValue => [node],
            _ => null,
        };
        if (items is null)
        {
            error("plugins", "must be a list of plugin names, e.g. [datetime, math]");
            return plugins;
        }

        var available = knownPlugins.Count == 0 ? "no plugins are registered" : "available: " + string.Join(", ", knownPlugins.Order(StringComparer.Ordinal));
        for (var i = 0; i < items.Count; i++)
        {
            var field = node is JsonArray ? $"plugins[{i}]" : "plugins";
            if (items[i] is not JsonValue v || v.GetValueKind() != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetValue<string>()))
            {
                error(field, "must be a plugin name");
                continue;
            }

            var name = v.GetValue<string>().Trim();
            var known = knownPlugins.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                error(field, $"unknown plugin '{name}' ({available})");
            }
            else if (!plugins.Contains(known))
            {
                plugins.Add(known);
            }
        }

        return plugins;
    }

    private static string? String(JsonObject obj, string field, Action<string, string> error)
    {
        var node = obj[field];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            return v.GetValue<string>();
        }

        error(field, "must be text");
        return null;
    }

    private static double? Number(JsonObject obj, string field, double min, double max, string path, Action<string, string> error, bool integer = false)
    {
        var node = obj[field];
        if (node is null)
        {
            return null;
        }

        double value;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            value = double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture);
        }
        else
        {
            error(path, $"must be {(integer ? "a whole number" : "a number")} from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        if ((integer && value != Math.Floor(value)) || value < min || value > max)
        {
            error(path, $"{value.ToString(CultureInfo.InvariantCulture)} is not {(integer ? "a whole number" : "a number")} from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        return value;
    }

    private static void Unknown(JsonObject obj, string[] known, string prefix, Action<string, string> error)
    {
        foreach (var (key, _) in obj)
        {
            if (!known.Contains(key, StringComparer.Ordinal))
            {
                error(prefix + key, $"unknown field (expected: {string.Join(", ", known)})");
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial Regex NamePattern();
}
