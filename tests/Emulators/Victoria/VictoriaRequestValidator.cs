using System.Globalization;
using System.Text.Json;

namespace AgentHost.Emulators.Victoria;

/// <summary>
/// Validates a run body the way Victoria's <c>TaskRequest</c> is validated under FastAPI 0.92 / pydantic 1.10 (what the
/// real server runs on here): problems are 422 <c>detail</c> items <c>{"loc", "msg", "type"}</c>. Pydantic 1 coerces:
/// numbers pass as strings, numeric strings as integers. A prompt-only deployment requires <c>{"prompt"}</c> instead.
/// </summary>
internal static class VictoriaRequestValidator
{
    private static readonly string[] OptionalStrings = ["project_context", "session_id"];

    /// <summary>Reads and validates the body; returns the goal (or prompt) text, or the 422 problems.</summary>
    public static string? Validate(string body, bool promptOnly, out List<object> problems)
    {
        problems = [];
        if (string.IsNullOrWhiteSpace(body))
        {
            problems.Add(Problem(["body"], "field required", "value_error.missing"));
            return null;
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(body);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            var position = (int)Math.Min(body.Length, e.BytePositionInLine ?? 0);
            problems.Add(new
            {
                loc = new object[] { "body", position },
                msg = $"Expecting value: line {(e.LineNumber ?? 0) + 1} column {position + 1} (char {position})",
                type = "value_error.jsondecode",
                ctx = new { msg = "Expecting value", doc = body, pos = position, lineno = (e.LineNumber ?? 0) + 1, colno = position + 1 },
            });
            return null;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            problems.Add(Problem(["body"], "value is not a valid dict", "type_error.dict"));
            return null;
        }

        var text = RequiredString(root, promptOnly ? "prompt" : "goal", problems);
        if (!promptOnly)
        {
            foreach (var name in OptionalStrings)
            {
                if (root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null && Coerce(value) is null)
                {
                    problems.Add(Problem(["body", name], "str type expected", "type_error.str"));
                }
            }

            if (root.TryGetProperty("max_steps", out var steps) && steps.ValueKind != JsonValueKind.Null && !IsInteger(steps))
            {
                problems.Add(Problem(["body", "max_steps"], "value is not a valid integer", "type_error.integer"));
            }

            if (root.TryGetProperty("chat_history", out var history) && history.ValueKind != JsonValueKind.Null)
            {
                ValidateHistory(history, problems);
            }
        }

        return problems.Count == 0 ? text : null;
    }

    /// <summary>Parses a query boolean as pydantic 1 does; null when it is not one.</summary>
    public static bool? ParseBool(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" => false,
        "true" or "1" or "yes" or "on" or "t" or "y" => true,
        "false" or "0" or "no" or "off" or "f" or "n" => false,
        _ => null,
    };

    public static object Problem(object[] loc, string msg, string type) => new { loc, msg, type };

    /// <summary>A string field's value after pydantic 1's coercion (numbers and booleans become text); null when not a string.</summary>
    private static string? Coerce(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "True",
        JsonValueKind.False => "False",
        _ => null,
    };

    private static bool IsInteger(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.TryGetDouble(out _),
        JsonValueKind.String => long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        JsonValueKind.True or JsonValueKind.False => true,
        _ => false,
    };

    private static string? RequiredString(JsonElement root, string name, List<object> problems)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            problems.Add(Problem(["body", name], value.ValueKind == JsonValueKind.Null ? "none is not an allowed value" : "field required", value.ValueKind == JsonValueKind.Null ? "type_error.none.not_allowed" : "value_error.missing"));
            return null;
        }

        var text = Coerce(value);
        if (text is null)
        {
            problems.Add(Problem(["body", name], "str type expected", "type_error.str"));
        }

        return text;
    }

    private static void ValidateHistory(JsonElement history, List<object> problems)
    {
        if (history.ValueKind != JsonValueKind.Array)
        {
            problems.Add(Problem(["body", "chat_history"], "value is not a valid list", "type_error.list"));
            return;
        }

        var i = 0;
        foreach (var item in history.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                problems.Add(Problem(["body", "chat_history", i], "value is not a valid dict", "type_error.dict"));
            }
            else
            {
                foreach (var field in item.EnumerateObject().Where(f => Coerce(f.Value) is null))
                {
                    problems.Add(Problem(["body", "chat_history", i, field.Name], "str type expected", "type_error.str"));
                }
            }

            i++;
        }
    }
}
