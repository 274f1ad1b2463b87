using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace AgentHost.Agents;

/// <summary>Reads an agent file (<c>.yaml</c>, <c>.yml</c> or <c>.json</c>) into a JSON object, or says where its syntax is broken.</summary>
internal static class AgentFileParser
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build();

    private static readonly JsonDocumentOptions JsonOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The extensions an agent file may have.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".yaml", ".yml", ".json"];

    /// <summary>Parses <paramref name="text"/> (YAML unless <paramref name="extension"/> is <c>.json</c>); the error is null on success.</summary>
    public static JsonObject? Parse(string text, string extension, out string? error)
    {
        error = null;
        JsonNode? node;
        if (string.Equals(extension, ".json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                node = JsonNode.Parse(text, documentOptions: JsonOptions);
            }
            catch (JsonException e)
            {
                error = $"bad JSON at line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}";
                return null;
            }
        }
        else
        {
            try
            {
                node = ToJson(Yaml.Deserialize<object?>(text));
            }
            catch (YamlException e)
            {
                var inner = e.InnerException is YamlException i ? i.Message : e.Message;
                error = $"bad YAML at line {e.Start.Line}, column {e.Start.Column}: {FirstSentence(inner)}";
                return null;
            }
        }

        if (node is JsonObject obj)
        {
            return obj;
        }

        error = node is null ? "the file is empty" : "the file must hold one mapping of fields (name, description, instructions, plugins, ...)";
        return null;
    }

    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        IDictionary<object, object?> map => new JsonObject(map.Select(p => KeyValuePair.Create(Convert.ToString(p.Key, CultureInfo.InvariantCulture) ?? string.Empty, ToJson(p.Value)))),
        IEnumerable<object?> list when value is not string => new JsonArray([.. list.Select(ToJson)]),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        sbyte or byte or short or ushort or int or uint or long => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        ulong u => JsonValue.Create(u),
        double d => JsonValue.Create(d),
        float f => JsonValue.Create(double.Parse(f.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)), // 0.3f, not 0.30000001
        decimal m => JsonValue.Create(m),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    private static string FirstSentence(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 200 ? line[..200] + "..." : line;
    }
}
