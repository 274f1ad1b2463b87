using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AgentHost.Emulators.Victoria;

public sealed partial class VictoriaEmulator
{
    /// <summary>How many words one <c>chunk</c> event carries (5 in the real server).</summary>
    public int WordsPerChunk { get; set; } = 5;

    /// <summary>
    /// <c>POST /stream</c> (newer builds): SSE events <c>start</c>, <c>progress</c>, <c>step</c>, <c>chunk</c>... and <c>end</c>,
    /// JSON written ASCII-escaped as Python's <c>json.dumps</c> does. Stream faults (chunk delay, dropped connection) count events.
    /// </summary>
    private async Task StreamRouteAsync(HttpContext context)
    {
        if (!StreamRouteEnabled)
        {
            await WriteJsonAsync(context, 404, new { detail = "Not Found" });
            return;
        }

        var goal = await ValidatedGoalAsync(context, promptOnly: false);
        if (goal is null)
        {
            return;
        }

        var faults = BeginGeneration();
        if (!await DelayFirstByteAsync(context, faults))
        {
            return;
        }

        if (faults.StatusCode is { } code)
        {
            await WriteJsonAsync(context, code, new { detail = faults.ErrorMessage ?? "Victoria stream failed (emulated)" }, faults.RetryAfter);
            return;
        }

        var correlationId = CorrelationId(context);
        var events = new List<string>
        {
            Event(new { type = "start", expert = AgentName, emotion = new { emotion = "calm", confidence = 1.0 } }),
            Event(new { type = "progress", step = 1, total = 3, status = "analysis" }),
            Event(new { type = "step", stepType = "thought", title = "Анализ задачи", content = "Запускаю экспертную цепочку Victoria Enhanced...", correlation_id = correlationId }),
        };
        if (faults.MalformedBody)
        {
            events.Add("data: {\"type\": \"chunk\", \"content\": tru<html>\n\n");
        }

        var words = AnswerFor(goal, faults).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var chunks = words.Chunk(Math.Max(1, WordsPerChunk)).Select(c => string.Join(' ', c) + " ").ToList();
        var error = InBodyError;
        if (error is not null)
        {
            chunks = chunks.Take(StreamErrorAfterChunks).ToList();
        }

        events.AddRange(chunks.Select(c => Event(new { type = "chunk", content = c })));
        if (error is not null)
        {
            events.Add(Event(new { type = "error", content = error }));
        }

        events.Add(Event(new { type = "end" }));
        await StreamAsync(context, faults, events, "text/event-stream; charset=utf-8");
    }

    /// <summary>One SSE event; the default serializer escapes non-ASCII like Python's <c>json.dumps</c>.</summary>
    private static string Event(object payload) => $"data: {JsonSerializer.Serialize(payload)}\n\n";
}
