using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentHost.Emulators.Mlx;

/// <summary>
/// Checks a request body against the server's pydantic model the way FastAPI 0.92 with pydantic 1.10 does (the
/// versions the real server runs under here), producing its 422 <c>detail</c> list of <c>{"loc", "msg", "type"}</c>.
/// Pydantic 1 coerces: numbers pass as strings, numeric strings as numbers, <c>"yes"</c>/<c>1</c> as booleans;
/// <c>null</c> passes only for <c>Optional</c> fields.
/// </summary>
internal sealed class FastApiValidator
{
    private static readonly string[] BoolWords = ["0", "off", "f", "false", "n", "no", "1", "on", "t", "true", "y", "yes"];

    private FastApiValidator(JsonObject? body) => Body = body;

    /// <summary>The body, when it was a JSON object.</summary>
    public JsonObject? Body { get; }

    /// <summary>The validation errors so far.</summary>
    public List<object> Errors { get; } = [];

    public static FastApiValidator Parse(string text)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            var invalid = new FastApiValidator(null);
            var line = (e.LineNumber ?? 0) + 1;
            var column = (e.BytePositionInLine ?? 0) + 1;
            var position = Math.Min(text.Length, (int)column - 1);
            invalid.Errors.Add(new
            {
                loc = new object[] { "body", position },
                msg = $"Expecting value: line {line} column {column} (char {position})",
                type = "value_error.jsondecode",
                ctx = new { msg = "Expecting value", doc = text, pos = position, lineno = line, colno = column },
            });
            return invalid;
        }

        if (node is JsonObject body)
        {
            return new FastApiValidator(body);
        }

        var wrong = new FastApiValidator(null);
        wrong.Errors.Add(Error(["body"], "value is not a valid dict", "type_error.dict"));
        return wrong;
    }

    /// <summary>A string field's value after pydantic 1's coercion (numbers become their text).</summary>
    public static string? Text(JsonNode? node) => node is JsonValue v
        ? v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.GetValueKind() == JsonValueKind.Number ? v.ToJsonString() : null
        : null;

    public static bool IsTrue(JsonNode? node) => node is JsonValue v && v.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.Number => v.GetValue<double>() == 1,
        JsonValueKind.String => v.GetValue<string>().ToLowerInvariant() is "1" or "on" or "t" or "true" or "y" or "yes",
        _ => false,
    };

    public void String(string field, bool required = false) => Check(field, required, nullable: !required,
        v => v.GetValueKind() is JsonValueKind.String or JsonValueKind.Number, "str type expected", "type_error.str");

    public void Int(string field) => Check(field, false, false, v => v.GetValueKind() switch
    {
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => true,
        JsonValueKind.String => long.TryParse(v.GetValue<string>().Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        _ => false,
    }, "value is not a valid integer", "type_error.integer");

    public void Number(string field) => Check(field, false, false, v => v.GetValueKind() switch
    {
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => true,
        JsonValueKind.String => double.TryParse(v.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out _),
        _ => false,
    }, "value is not a valid float", "type_error.float");

    public void Bool(string field, bool nullable = false) => Check(field, false, nullable, v => v.GetValueKind() switch
    {
        JsonValueKind.True or JsonValueKind.False => true,
        JsonValueKind.Number => v.GetValue<double>() is 0 or 1,
        JsonValueKind.String => BoolWords.Contains(v.GetValue<string>().ToLowerInvariant()),
        _ => false,
    }, "value could not be parsed to a boolean", "type_error.bool");

    public void Object(string field) => Check(field, false, true, v => v.GetValueKind() == JsonValueKind.Object, "value is not a valid dict", "type_error.dict");

    /// <summary>A required list of <c>{"role": str, "content": str}</c>.</summary>
    public void Messages(string field)
    {
        if (!Body!.TryGetPropertyValue(field, out var node))
        {
            Errors.Add(Error(["body", field], "field required", "value_error.missing"));
            return;
        }

        if (node is not JsonArray list)
        {
            Errors.Add(node is null
                ? Error(["body", field], "none is not an allowed value", "type_error.none.not_allowed")
                : Error(["body", field], "value is not a valid list", "type_error.list"));
            return;
        }

        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject message)
            {
                Errors.Add(Error(["body", field, i], "value is not a valid dict", "type_error.dict"));
                continue;
            }

            foreach (var key in new[] { "role", "content" })
            {
                if (!message.TryGetPropertyValue(key, out var item))
                {
                    Errors.Add(Error(["body", field, i, key], "field required", "value_error.missing"));
                }
                else if (item is null)
                {
                    Errors.Add(Error(["body", field, i, key], "none is not an allowed value", "type_error.none.not_allowed"));
                }
                else if (item.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number))
                {
                    Errors.Add(Error(["body", field, i, key], "str type expected", "type_error.str"));
                }
            }
        }
    }

    private void Check(string field, bool required, bool nullable, Func<JsonNode, bool> valid, string msg, string type)
    {
        if (!Body!.TryGetPropertyValue(field, out var node))
        {
            if (required)
            {
                Errors.Add(Error(["body", field], "field required", "value_error.missing"));
            }

            return;
        }

        if (node is null && !nullable)
        {
            Errors.Add(Error(["body", field], "none is not an allowed value", "type_error.none.not_allowed"));
        }
        else if (node is not null && !valid(node))
        {
            Errors.Add(Error(["body", field], msg, type));
        }
    }

    private static object Error(object[] loc, string msg, string type) => new { loc, msg, type };
}
