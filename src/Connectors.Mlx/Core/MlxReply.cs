using System.Text.Json;

namespace AgentHost.Connectors.Mlx.Core;

/// <summary>One reply object (a whole answer or one streamed line/event), whatever build or protocol sent it.</summary>
internal sealed record MlxReply(
    string? Text,
    bool Done,
    bool Finished,
    string? Model,
    string? DoneReason,
    int? PromptTokens,
    int? CompletionTokens,
    string? Error)
{
    /// <summary>
    /// Reads the shapes the servers send: <c>response</c> (MLX API Server), <c>text</c> (other builds),
    /// <c>message.content</c> (<c>/api/chat</c> without streaming), <c>choices[0].message|delta.content</c> (OpenAI);
    /// <c>done</c>, <c>done_reason</c>, <c>finish_reason</c>; usage as <c>prompt_eval_count</c>/<c>eval_count</c> or <c>usage</c>.
    /// </summary>
    public static MlxReply Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"Expected a JSON object, got {root.ValueKind}.");
        }

        var text = String(root, "response") ?? String(root, "text") ?? (root.TryGetProperty("message", out var m) ? String(m, "content") : null);
        string? finishReason = null;
        if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
        {
            var choice = choices[0];
            text ??= (choice.TryGetProperty("message", out var cm) ? String(cm, "content") : null)
                ?? (choice.TryGetProperty("delta", out var delta) ? String(delta, "content") ?? (delta.ValueKind == JsonValueKind.Object ? "" : null) : null)
                ?? String(choice, "text");
            finishReason = String(choice, "finish_reason");
        }

        var done = root.TryGetProperty("done", out var d) && d.ValueKind == JsonValueKind.True;
        int? promptTokens = Int(root, "prompt_eval_count");
        int? completionTokens = Int(root, "eval_count");
        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            promptTokens ??= Int(usage, "prompt_tokens") ?? Int(usage, "input_tokens");
            completionTokens ??= Int(usage, "completion_tokens") ?? Int(usage, "output_tokens");
        }

        var error = root.TryGetProperty("error", out var e)
            ? e.ValueKind == JsonValueKind.String ? e.GetString() : e.ValueKind == JsonValueKind.Object ? String(e, "message") ?? e.GetRawText() : null
            : null;

        return new MlxReply(
            text,
            done,
            done || finishReason is not null,
            String(root, "model"),
            String(root, "done_reason") ?? finishReason,
            promptTokens,
            completionTokens,
            error);
    }

    /// <summary>This reply followed by <paramref name="next"/> as one: the texts joined, the first value of each field kept, done when either is.</summary>
    public MlxReply Then(MlxReply next) => new(
        Text + next.Text,
        Done || next.Done,
        Finished || next.Finished,
        Model ?? next.Model,
        DoneReason ?? next.DoneReason,
        PromptTokens ?? next.PromptTokens,
        CompletionTokens ?? next.CompletionTokens,
        Error ?? next.Error);

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static int? Int(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i)
            ? i
            : null;
}
