using System.Text;
using System.Text.Json;
using AgentHost.Backends;

namespace AgentHost.Connectors.Victoria.Core;

/// <summary>Reads Victoria's JSON replies (sync <c>/run</c>, async 202, <c>/run/status</c>) liberally.</summary>
internal static class VictoriaReplyReader
{
    /// <summary>The suffix Victoria appends to a polled output it cut.</summary>
    public const string TruncationSuffix = "[... ответ обрезан ...]";

    private const int MaxErrorBodyChars = 500;

    /// <summary>Parses a body that must be a JSON object.</summary>
    public static JsonElement ParseObject(string body, string backend)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document.RootElement.Clone();
            }
        }
        catch (JsonException e)
        {
            throw new BackendResponseException(backend, BackendResponseProblem.Malformed, $"the reply is not JSON: {Preview(body)}", innerException: e);
        }

        throw new BackendResponseException(backend, BackendResponseProblem.Malformed, $"the reply is not a JSON object: {Preview(body)}");
    }

    /// <summary>The <c>status</c> field, if any.</summary>
    public static string? Status(JsonElement root) => String(root, "status");

    /// <summary>The <c>task_id</c> of an accepted async run (202: a task id and no status), else null.</summary>
    public static string? AcceptedTaskId(JsonElement root) => Status(root) is null ? String(root, "task_id") : null;

    /// <summary>Whether a polled status is final.</summary>
    public static bool IsFinal(string? status) => status is "completed" or "failed" or "error" or "success" or "needs_clarification";

    /// <summary>Turns a final reply into an answer; throws on an in-band error or when there is no text.</summary>
    public static VictoriaReply ToReply(JsonElement root, string backend, string? taskId = null)
    {
        var status = Status(root);
        if (status is "error" or "failed")
        {
            var error = String(root, "error") ?? String(root, "detail") ?? String(root, "message") ?? Text(root, "output");
            throw new BackendResponseException(
                backend,
                BackendResponseProblem.InBandError,
                string.IsNullOrWhiteSpace(error) ? $"Victoria reported status '{status}' without an error text." : $"Victoria reported status '{status}': {error}");
        }

        var knowledge = root.TryGetProperty("knowledge", out var k) && k.ValueKind == JsonValueKind.Object ? k : default;
        var metadata = new Dictionary<string, object?>(StringComparer.Ordinal);
        Add(metadata, VictoriaMetadataKeys.Status, status);
        Add(metadata, VictoriaMetadataKeys.TaskId, String(root, "task_id") ?? taskId);
        Add(metadata, VictoriaMetadataKeys.CorrelationId, String(root, "correlation_id"));
        AddKnowledge(metadata, knowledge);

        var questions = Strings(root, "clarification_questions") ?? Strings(knowledge, "clarification_questions");
        var clarifying = status == "needs_clarification" || Bool(knowledge, "needs_clarification") || questions is not null;
        string? text;
        if (clarifying)
        {
            var originalGoal = String(root, "original_goal");
            var restatement = String(root, "suggested_restatement");
            Add(metadata, VictoriaMetadataKeys.ClarificationQuestions, questions ?? []);
            Add(metadata, VictoriaMetadataKeys.OriginalGoal, originalGoal);
            Add(metadata, VictoriaMetadataKeys.SuggestedRestatement, restatement);
            text = ClarificationText(questions ?? [], originalGoal, restatement, Text(root, "output"));
        }
        else
        {
            text = Text(root, "output") ?? Text(root, "result") ?? Text(root, "response") ?? Text(root, "plan");
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            throw new BackendResponseException(backend, BackendResponseProblem.Empty, $"the reply (status '{status ?? "none"}') holds no answer text.");
        }

        metadata[VictoriaMetadataKeys.Truncated] = text.TrimEnd().EndsWith(TruncationSuffix, StringComparison.Ordinal);
        return new VictoriaReply(text, metadata);
    }

    private static string ClarificationText(string[] questions, string? originalGoal, string? restatement, string? output)
    {
        if (questions.Length == 0)
        {
            return string.IsNullOrWhiteSpace(output) ? "Victoria needs clarification before going on." : output;
        }

        var text = new StringBuilder("Victoria needs clarification before going on:");
        for (var i = 0; i < questions.Length; i++)
        {
            text.Append('\n').Append(i + 1).Append(". ").Append(questions[i]);
        }

        if (!string.IsNullOrWhiteSpace(restatement) && restatement != originalGoal)
        {
            text.Append("\nSuggested restatement: ").Append(restatement);
        }

        return text.ToString();
    }

    private static void AddKnowledge(Dictionary<string, object?> metadata, JsonElement knowledge)
    {
        if (knowledge.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var trace = knowledge.TryGetProperty("execution_trace", out var t) ? t : default;
        var meta = knowledge.TryGetProperty("metadata", out var m) ? m : default;
        Add(metadata, VictoriaMetadataKeys.KnowledgeMethod, String(knowledge, "method") ?? String(trace, "method"));
        Add(metadata, VictoriaMetadataKeys.ModelUsed, String(meta, "model_used"));
        Add(metadata, VictoriaMetadataKeys.Source, String(knowledge, "source") ?? String(meta, "source"));
        Add(metadata, VictoriaMetadataKeys.Strategy, String(knowledge, "strategy"));
    }

    private static void Add(Dictionary<string, object?> metadata, string key, object? value)
    {
        if (value is not null)
        {
            metadata[key] = value;
        }
    }

    /// <summary>A text field: a string as is, another non-null JSON value as its JSON text; null when absent, null or blank.</summary>
    private static string? Text(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => string.IsNullOrWhiteSpace(value.GetString()) ? null : value.GetString(),
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                _ => value.GetRawText(),
            }
            : null;

    internal static string? String(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static bool Bool(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static string[]? Strings(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(q => q.ValueKind == JsonValueKind.String ? q.GetString()! : q.GetRawText()).ToArray()
            : null;

    internal static string Preview(string body)
    {
        var trimmed = body.Trim();
        return trimmed.Length <= MaxErrorBodyChars ? trimmed : trimmed[..MaxErrorBodyChars] + "…";
    }
}
