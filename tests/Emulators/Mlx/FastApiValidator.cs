using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentHost.Emulators.Mlx;

/// <summary>
/// Checks a request body against a pydantic model the way FastAPI does, producing its 422 <c>detail</c> list
/// (<c>{"type", "loc": ["body", field], "msg", "input"}</c>). Pydantic's lax mode: numeric strings pass as numbers,
/// <c>"true"</c>/<c>1</c> as booleans; <c>null</c> passes only for <c>Optional</c> fields.
/// </summary>
internal sealed class FastApiValidator
{
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
            invalid.Errors.Add(new { type = "json_invalid", loc = new object[] { "body", (int)(e.BytePositionInLine ?? 0) }, msg = "JSON decode error", input = new { }, ctx = new { error = "Expecting value" } });
            return invalid;
        }

        if (node is JsonObject body)
        {
            return new FastApiValidator(body);
        }

        var wrong = new FastApiValidator(null);
        wrong.Errors.Add(new { type = "model_attributes_type", loc = new[] { "body" }, msg = "Input should be a valid dictionary or object to extract fields from", input = node });
        return wrong;
    }

    public static bool IsTrue(JsonNode? node) => node is JsonValue v && (v.TryGetValue<bool>(out var b) ? b : v.TryGetValue<string>(out var s) && s is "true" or "1" or "yes" or "on");

    public void String(string field, bool required = false) =>
        Check(field, required, nullable: !required, v => v.GetValueKind() == JsonValueKind.String, "string_type", "Input should be a valid string");

    public void Int(string field) => Check(field, false, false, v => v.GetValueKind() switch
    {
        JsonValueKind.Number => v.GetValue<double>() % 1 == 0,
        JsonValueKind.String => long.TryParse(v.GetValue<string>(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        _ => false,
    }, "int_parsing", "Input should be a valid integer");

    public void Number(string field) => Check(field, false, false, v => v.GetValueKind() switch
    {
        JsonValueKind.Number => true,
        JsonValueKind.String => double.TryParse(v.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out _),
        _ => false,
    }, "float_parsing", "Input should be a valid number");

    public void Bool(string field, bool nullable = false) => Check(field, false, nullable, v => v.GetValueKind() switch
    {
        JsonValueKind.True or JsonValueKind.False => true,
        JsonValueKind.Number => v.GetValue<double>() is 0 or 1,
        JsonValueKind.String => v.GetValue<string>().ToLowerInvariant() is "true" or "false" or "1" or "0" or "yes" or "no" or "on" or "off" or "t" or "f" or "y" or "n",
        _ => false,
    }, "bool_parsing", "Input should be a valid boolean");

    public void Object(string field) => Check(field, false, true, v => v.GetValueKind() == JsonValueKind.Object, "dict_type", "Input should be a valid dictionary");

    /// <summary>A required list of <c>{"role": str, "content": str}</c>.</summary>
    public void Messages(string field)
    {
        if (!Body!.TryGetPropertyValue(field, out var node))
        {
            Missing([field]);
            return;
        }

        if (node is not JsonArray list)
        {
            Errors.Add(new { type = "list_type", loc = new object[] { "body", field }, msg = "Input should be a valid list", input = node });
            return;
        }

        for (var i = 0; i < list.Count; i++)
        {
            foreach (var key in new[] { "role", "content" })
            {
                var value = list[i] as JsonObject;
                if (value is null || !value.TryGetPropertyValue(key, out var item))
                {
                    Missing([field, i, key]);
                }
                else if (item?.GetValueKind() != JsonValueKind.String)
                {
                    Errors.Add(new { type = "string_type", loc = new object[] { "body", field, i, key }, msg = "Input should be a valid string", input = item });
                }
            }
        }
    }

    private void Check(string field, bool required, bool nullable, Func<JsonNode, bool> valid, string type, string msg)
    {
        if (!Body!.TryGetPropertyValue(field, out var node))
        {
            if (required)
            {
                Missing([field]);
            }

            return;
        }

        if (node is null ? !nullable : !valid(node))
        {
            Errors.Add(new { type = node is null ? type.Replace("_parsing", "_type", StringComparison.Ordinal) : type, loc = new object[] { "body", field }, msg, input = node });
        }
    }

    private void Missing(object[] loc) => Errors.Add(new { type = "missing", loc = new object[] { "body" }.Concat(loc).ToArray(), msg = "Field required", input = Body });
}
