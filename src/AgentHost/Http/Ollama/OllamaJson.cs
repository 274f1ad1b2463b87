using System.Globalization;
using System.Text.Json;
using AgentHost.Fallback;
using Microsoft.Extensions.AI;

namespace AgentHost.Http.Ollama;

/// <summary>Which of Ollama's answer shapes a line takes: <c>/api/chat</c>'s <c>message</c> or <c>/api/generate</c>'s <c>response</c>.</summary>
internal enum OllamaShape
{
    /// <summary><c>ChatResponse</c>: <c>"message": {"role": "assistant", "content", "tool_calls"}</c>.</summary>
    Chat,

    /// <summary><c>GenerateResponse</c>: <c>"response": "..."</c>.</summary>
    Generate,
}

/// <summary>The end of an answer: Ollama's <c>done_reason</c> and its <c>Metrics</c> (durations in nanoseconds).</summary>
/// <param name="DoneReason"><c>stop</c>, <c>length</c> or <c>load</c>.</param>
/// <param name="Total">The whole call, as this host measured it.</param>
/// <param name="PromptEval">Until the first token (the prompt's evaluation, as seen from here).</param>
/// <param name="Usage">Token counts the backend reported, when it did.</param>
internal sealed record OllamaDone(string DoneReason, TimeSpan Total, TimeSpan PromptEval, UsageDetails? Usage)
{
    /// <summary>Ollama's <c>done_reason</c> for an MEAI finish reason.</summary>
    public static string ReasonOf(ChatFinishReason? reason) => reason == ChatFinishReason.Length ? "length" : "stop";
}

/// <summary>
/// Ollama's answer lines (api/types.go <c>ChatResponse</c>, <c>GenerateResponse</c>): <c>model</c>, <c>created_at</c>
/// (RFC 3339 with fractional seconds, UTC), the text, <c>done</c>, and on the last line <c>done_reason</c> and the metrics;
/// plus where it came from under <see cref="ChatCompletionJson.ReportProperty"/> on the last line, which Ollama clients ignore.
/// </summary>
internal static class OllamaJson
{
    /// <summary><paramref name="time"/> as Go marshals a <c>time.Time</c>: RFC 3339, fraction without trailing zeros, <c>Z</c>.</summary>
    public static string CreatedAt(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>Writes one answer object: a streamed piece (<paramref name="done"/> null) or the last or whole one.</summary>
    public static void Write(Utf8JsonWriter writer, OllamaShape shape, string model, DateTimeOffset at, string text,
        IReadOnlyList<FunctionCallContent> calls, OllamaDone? done, FallbackReport? report)
    {
        writer.WriteStartObject();
        writer.WriteString("model", model);
        writer.WriteString("created_at", CreatedAt(at));
        if (shape == OllamaShape.Chat)
        {
            writer.WriteStartObject("message");
            writer.WriteString("role", "assistant");
            writer.WriteString("content", text);
            if (calls.Count > 0)
            {
                WriteToolCalls(writer, calls);
            }

            writer.WriteEndObject();
        }
        else
        {
            writer.WriteString("response", text);
        }

        writer.WriteBoolean("done", done is not null);
        if (done is not null)
        {
            WriteDone(writer, done);
        }

        if (report is not null)
        {
            writer.WritePropertyName(ChatCompletionJson.ReportProperty);
            ChatCompletionJson.WriteReport(writer, report);
        }

        writer.WriteEndObject();
    }

    /// <summary>Ollama's in-band error line, <c>{"error": "..."}</c>, which its clients raise as an error.</summary>
    public static void WriteError(Utf8JsonWriter writer, string message)
    {
        writer.WriteStartObject();
        writer.WriteString("error", message);
        writer.WriteEndObject();
    }

    private static void WriteDone(Utf8JsonWriter writer, OllamaDone done)
    {
        writer.WriteString("done_reason", done.DoneReason);
        if (done.DoneReason == "load")
        {
            return;
        }

        var eval = done.Total - done.PromptEval;
        writer.WriteNumber("total_duration", Nanoseconds(done.Total));
        writer.WriteNumber("load_duration", 0);
        writer.WriteNumber("prompt_eval_count", done.Usage?.InputTokenCount ?? 0);
        writer.WriteNumber("prompt_eval_duration", Nanoseconds(done.PromptEval));
        writer.WriteNumber("eval_count", done.Usage?.OutputTokenCount ?? 0);
        writer.WriteNumber("eval_duration", Nanoseconds(eval > TimeSpan.Zero ? eval : TimeSpan.Zero));
    }

    /// <summary><c>"tool_calls": [{"id", "function": {"index", "name", "arguments": {...}}}]</c>: arguments an object, as Ollama sends them.</summary>
    private static void WriteToolCalls(Utf8JsonWriter writer, IReadOnlyList<FunctionCallContent> calls)
    {
        writer.WriteStartArray("tool_calls");
        for (var i = 0; i < calls.Count; i++)
        {
            writer.WriteStartObject();
            if (!string.IsNullOrEmpty(calls[i].CallId))
            {
                writer.WriteString("id", calls[i].CallId);
            }

            writer.WriteStartObject("function");
            writer.WriteNumber("index", i);
            writer.WriteString("name", calls[i].Name);
            writer.WritePropertyName("arguments");
            JsonSerializer.Serialize(writer, calls[i].Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static long Nanoseconds(TimeSpan span) => span.Ticks * 100;
}
