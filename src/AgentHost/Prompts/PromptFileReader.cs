using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.SemanticKernel;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace AgentHost.Prompts;

/// <summary>A prompt file read into SK's config, and which variables its author marked <c>is_required</c> explicitly.</summary>
internal sealed record PromptFile(PromptTemplateConfig Config, IReadOnlySet<string> ExplicitlyRequired);

/// <summary>
/// Reads the two prompt formats into <see cref="PromptTemplateConfig"/>: SK's prompt directory (<c>skprompt.txt</c> plus an
/// optional <c>config.json</c>) and SK's single-file YAML schema (YamlDotNet → JSON → <see cref="PromptTemplateConfig.FromJson(string)"/>).
/// Failures are <see cref="InvalidDataException"/>s whose message says what is wrong, for the loader to pin on the file.
/// </summary>
internal static class PromptFileReader
{
    public const string ConfigFileName = "config.json";
    public const string TemplateFileName = "skprompt.txt";

    // Unquoted scalars become bools and numbers (is_required: true, max_tokens: 300), as SK's own YAML reader does.
    private static readonly IDeserializer Yaml = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build();

    public static PromptFile ReadDirectory(string directory)
    {
        var configPath = Path.Combine(directory, ConfigFileName);
        var template = File.ReadAllText(Path.Combine(directory, TemplateFileName));
        JsonNode? json = new JsonObject();
        if (File.Exists(configPath))
        {
            var text = File.ReadAllText(configPath);
            try
            {
                json = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{ConfigFileName} is not valid JSON: {e.Message}", e);
            }
        }

        var file = ToConfig(json, ConfigFileName);
        file.Config.Template = template;
        return file;
    }

    public static PromptFile ReadYaml(string path)
    {
        var text = File.ReadAllText(path);
        object? graph;
        try
        {
            graph = Yaml.Deserialize<object?>(text);
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"not valid YAML (line {e.Start.Line}, column {e.Start.Column}): {(e.InnerException ?? e).Message}", e);
        }

        var file = ToConfig(ToJson(graph), "the YAML");
        if (string.IsNullOrWhiteSpace(file.Config.Template))
        {
            throw new InvalidDataException("has no 'template'.");
        }

        return file;
    }

    private static PromptFile ToConfig(JsonNode? json, string what)
    {
        if (json is not JsonObject root)
        {
            throw new InvalidDataException($"{what} must be an object (with description, input_variables, execution_settings).");
        }

        var required = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (root["input_variables"] is JsonArray variables)
        {
            foreach (var v in variables.OfType<JsonObject>())
            {
                if (v["name"]?.GetValueKind() == JsonValueKind.String && v["is_required"]?.GetValueKind() == JsonValueKind.True)
                {
                    required.Add(v["name"]!.GetValue<string>());
                }
            }
        }

        try
        {
            return new PromptFile(PromptTemplateConfig.FromJson(root.ToJsonString()), required);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw new InvalidDataException($"{what} does not fit SK's prompt schema: {e.Message}", e);
        }
    }

    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        IDictionary<object, object?> map => new JsonObject(map.Select(kv =>
            KeyValuePair.Create(Convert.ToString(kv.Key, CultureInfo.InvariantCulture) ?? "", ToJson(kv.Value)))),
        IEnumerable<object?> list => new JsonArray([.. list.Select(ToJson)]),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int n => JsonValue.Create(n),
        long n => JsonValue.Create(n),
        ulong n => JsonValue.Create(n),
        uint n => JsonValue.Create(n),
        double n => JsonValue.Create(n),
        float n => JsonValue.Create(n),
        decimal n => JsonValue.Create(n),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };
}
