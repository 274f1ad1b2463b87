using System.Text.Json;
using AgentHost.Fallback;
using Microsoft.Extensions.AI;

namespace AgentHost.Http;

/// <summary>
/// OpenAI's answer shapes (<c>chat.completion</c>, <c>chat.completion.chunk</c>), plus the fallback report under
/// <see cref="ReportProperty"/>: a field OpenAI clients ignore, so SDKs work unchanged.
/// </summary>
internal static class ChatCompletionJson
{
    /// <summary>The top-level property that carries where the answer came from.</summary>
    public const string ReportProperty = "agent_host";

    /// <summary>Writes a whole non-streaming answer.</summary>
    public static void WriteCompletion(Utf8JsonWriter writer, string id, long created, string model, ChatResponse response, FallbackReport? report)
    {
        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        var text = response.Text;
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteString("object", "chat.completion");
        writer.WriteNumber("created", created);
        writer.WriteString("model", model);
        writer.WriteStartArray("choices");
        writer.WriteStartObject();
        writer.WriteNumber("index", 0);
        writer.WriteStartObject("message");
        writer.WriteString("role", "assistant");
        writer.WriteString("content", text.Length == 0 && calls.Count > 0 ? null : text);
        writer.WriteNull("refusal");
        if (calls.Count > 0)
        {
            WriteToolCalls(writer, calls, withIndex: false);
        }

        writer.WriteEndObject();
        writer.WriteNull("logprobs");
        writer.WriteString("finish_reason", FinishReason(response.FinishReason, calls.Count > 0));
        writer.WriteEndObject();
        writer.WriteEndArray();
        if (response.Usage is { } usage)
        {
            WriteUsage(writer, usage);
        }

        if (report is not null)
        {
            writer.WritePropertyName(ReportProperty);
            WriteReport(writer, report);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes one streamed chunk. <paramref name="delta"/> writes the delta's properties; a usage-only chunk has no choice.</summary>
    public static void WriteChunk(Utf8JsonWriter writer, string id, long created, string model, Action<Utf8JsonWriter>? delta,
        string? finishReason = null, UsageDetails? usage = null, FallbackReport? report = null, bool usageOnly = false)
    {
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteString("object", "chat.completion.chunk");
        writer.WriteNumber("created", created);
        writer.WriteString("model", model);
        writer.WriteStartArray("choices");
        if (!usageOnly)
        {
            writer.WriteStartObject();
            writer.WriteNumber("index", 0);
            writer.WriteStartObject("delta");
            delta?.Invoke(writer);
            writer.WriteEndObject();
            writer.WriteNull("logprobs");
            writer.WriteString("finish_reason", finishReason);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (usage is not null)
        {
            WriteUsage(writer, usage);
        }

        if (report is not null)
        {
            writer.WritePropertyName(ReportProperty);
            WriteReport(writer, report);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes <c>"tool_calls": [...]</c>; streamed calls carry their <c>index</c>.</summary>
    public static void WriteToolCalls(Utf8JsonWriter writer, IEnumerable<FunctionCallContent> calls, bool withIndex, int firstIndex = 0)
    {
        writer.WriteStartArray("tool_calls");
        var index = firstIndex;
        foreach (var call in calls)
        {
            writer.WriteStartObject();
            if (withIndex)
            {
                writer.WriteNumber("index", index++);
            }

            writer.WriteString("id", string.IsNullOrEmpty(call.CallId) ? $"call_{Guid.NewGuid():N}" : call.CallId);
            writer.WriteString("type", "function");
            writer.WriteStartObject("function");
            writer.WriteString("name", call.Name);
            writer.WriteString("arguments", JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>The report: <c>{"backend","model","route","chosen_by","complete","attempts":[{"backend","outcome","duration_ms","time_to_first_token_ms","error","skip_reason","tries"}]}</c>.</summary>
    public static void WriteReport(Utf8JsonWriter writer, FallbackReport report)
    {
        writer.WriteStartObject();
        writer.WriteString("backend", report.Backend);
        writer.WriteString("model", report.Model);
        writer.WriteString("route", report.Route);
        writer.WriteString("chosen_by", report.ChosenBy);
        writer.WriteBoolean("complete", report.IsComplete);
        if (report.Cached)
        {
            writer.WriteBoolean("cached", true);
        }

        writer.WriteStartArray("attempts");
        foreach (var a in report.Attempts)
        {
            writer.WriteStartObject();
            writer.WriteString("backend", a.Backend);
            writer.WriteString("outcome", a.Outcome.ToString().ToLowerInvariant());
            writer.WriteNumber("duration_ms", Math.Round(a.Duration.TotalMilliseconds, 1));
            if (a.TimeToFirstToken is { } ttft)
            {
                writer.WriteNumber("time_to_first_token_ms", Math.Round(ttft.TotalMilliseconds, 1));
            }

            writer.WriteString("error", a.Error);
            writer.WriteString("skip_reason", a.SkipReason);
            if (a.Model is not null)
            {
                writer.WriteString("model", a.Model);
            }

            if (a.SubstitutedFor is not null)
            {
                writer.WriteString("substituted_for", a.SubstitutedFor);
            }

            writer.WriteNumber("tries", a.Tries);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>OpenAI's <c>finish_reason</c> for an MEAI one.</summary>
    public static string FinishReason(ChatFinishReason? reason, bool hasToolCalls)
    {
        if (reason == ChatFinishReason.Length)
        {
            return "length";
        }

        if (reason == ChatFinishReason.ContentFilter)
        {
            return "content_filter";
        }

        return hasToolCalls || reason == ChatFinishReason.ToolCalls ? "tool_calls" : "stop";
    }

    private static void WriteUsage(Utf8JsonWriter writer, UsageDetails usage)
    {
        var input = usage.InputTokenCount ?? 0;
        var output = usage.OutputTokenCount ?? 0;
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", input);
        writer.WriteNumber("completion_tokens", output);
        writer.WriteNumber("total_tokens", usage.TotalTokenCount ?? input + output);
        writer.WriteEndObject();
    }
}
