using System.Text.Json;

namespace AgentHost.Emulators.Victoria;

/// <summary>
/// Validates a run body the way FastAPI/pydantic validates Victoria's <c>TaskRequest</c> (or a prompt-only deployment's
/// <c>{"prompt"}</c>): problems come back as FastAPI's 422 <c>detail</c> list items.
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
            problems.Add(Problem("missing", ["body"], "Field required", null));
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
            problems.Add(new { type = "json_invalid", loc = new object[] { "body", (int)(e.BytePositionInLine ?? 0) }, msg = "JSON decode error", input = new { }, ctx = new { error = e.Message } });
            return null;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            problems.Add(Problem("model_attributes_type", ["body"], "Input should be a valid dictionary or object to extract fields from", root));
            return null;
        }

        var required = promptOnly ? "prompt" : "goal";
        var text = RequiredString(root, required, problems);
        if (promptOnly)
        {
            return problems.Count == 0 ? text : null;
        }

        foreach (var name in OptionalStrings)
        {
            if (root.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                problems.Add(Problem("string_type", ["body", name], "Input should be a valid string", value));
            }
        }

        if (root.TryGetProperty("max_steps", out var steps) && steps.ValueKind != JsonValueKind.Null && !(steps.ValueKind == JsonValueKind.Number && steps.TryGetInt32(out _)))
        {
            problems.Add(Problem("int_type", ["body", "max_steps"], "Input should be a valid integer", steps));
        }

        if (root.TryGetProperty("chat_history", out var history) && history.ValueKind != JsonValueKind.Null)
        {
            ValidateHistory(history, problems);
        }

        return problems.Count == 0 ? text : null;
    }

    /// <summary>Parses a query boolean as pydantic does (<c>true/false, 1/0, yes/no, on/off, t/f, y/n</c>).</summary>
    public static bool? ParseBool(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" => false,
        "true" or "1" or "yes" or "on" or "t" or "y" => true,
        "false" or "0" or "no" or "off" or "f" or "n" => false,
        _ => null,
    };

    public static object Problem(string type, object[] loc, string msg, object? input) => new { type, loc, msg, input };

    private static string? RequiredString(JsonElement root, string name, List<object> problems)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            problems.Add(Problem("missing", ["body", name], "Field required", root));
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            problems.Add(Problem("string_type", ["body", name], "Input should be a valid string", value));
            return null;
        }

        return value.GetString();
    }

    private static void ValidateHistory(JsonElement history, List<object> problems)
    {
        if (history.ValueKind != JsonValueKind.Array)
        {
            problems.Add(Problem("list_type", ["body", "chat_history"], "Input should be a valid list", history));
            return;
        }

        var i = 0;
        foreach (var item in history.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                problems.Add(Problem("dict_type", ["body", "chat_history", i], "Input should be a valid dictionary", item));
            }
            else
            {
                foreach (var field in item.EnumerateObject().Where(f => f.Value.ValueKind != JsonValueKind.String))
                {
                    problems.Add(Problem("string_type", ["body", "chat_history", i, field.Name], "Input should be a valid string", field.Value));
                }
            }

            i++;
        }
    }
}
