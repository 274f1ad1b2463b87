using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AgentHost.Emulators.Ollama;

public sealed partial class OllamaEmulator
{
    // POST /v1/chat/completions: Ollama's OpenAI-compatible route. Errors are {"error": {"message", "type", "param", "code"}}.
    // Streaming is SSE "data: {chunk}" events ending with "data: [DONE]". Like real Ollama, an error after the stream
    // has begun is not reported on this route: the stream just ends without [DONE].
    private async Task OpenAiChatAsync(HttpContext context)
    {
        var faults = BeginGeneration();
        var request = OllamaConversation.Parse(await ReadBodyAsync(context));
        if (request is null)
        {
            await WriteJsonAsync(context, 400, OpenAiError(400, "invalid character 'x' looking for beginning of value"));
            return;
        }

        if (!await DelayFirstByteAsync(context, faults))
        {
            return;
        }

        if (faults.StatusCode is { } status)
        {
            await WriteJsonAsync(context, status, OpenAiError(status, ErrorText(faults, status)), faults.RetryAfter);
            return;
        }

        if (!request.HasMessages)
        {
            await WriteJsonAsync(context, 400, OpenAiError(400, "[] is too short - 'messages'"));
            return;
        }

        if (Resolve(request.Model) is not { } model)
        {
            await WriteJsonAsync(context, 404, OpenAiError(404, NotFound(request.Model)));
            return;
        }

        Load(model);
        var stream = request.Stream ?? false;
        if (faults.MalformedBody)
        {
            await WriteBodyAsync(context, faults, stream ? "data: " + MalformedJson + "\n\n" : MalformedJson, stream ? "text/event-stream" : "application/json");
            return;
        }

        var toolCall = request.ToolNames.Count > 0 ? ToolCallScript(request.Messages, request.ToolNames) : null;
        var text = toolCall is null ? request.AnswerText(faults.Answer) : string.Empty;
        var chunks = OllamaConversation.Chunk(text, Math.Max(1, WordsPerChunk));
        var id = "chatcmpl-" + faults.RequestNumber;
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var usage = new { prompt_tokens = request.PromptTokens, completion_tokens = Math.Max(1, chunks.Count), total_tokens = request.PromptTokens + Math.Max(1, chunks.Count) };
        var toolCalls = toolCall is null ? null : new[]
        {
            new { id = "call_" + faults.RequestNumber, index = 0, type = "function", function = new { name = toolCall.Name, arguments = JsonSerializer.Serialize(toolCall.Arguments, JsonOptions) } },
        };
        var finish = toolCall is null ? "stop" : "tool_calls";

        if (faults.Active && InBandErrorAfterChunks is { } failAfter && (!stream || (failAfter == 0 && ErrorsBeforeContentAsStatus)))
        {
            // The native handler's 500 {"error"}, rewritten by the OpenAI middleware into its error shape (middleware/openai.go).
            await WriteJsonAsync(context, 500, OpenAiError(500, faults.ErrorMessage ?? RunnerStoppedError));
            return;
        }

        if (!stream)
        {
            var message = toolCall is null ? (object)new { role = "assistant", content = text } : new { role = "assistant", content = "", tool_calls = toolCalls };
            var body = JsonSerializer.Serialize(new
            {
                id,
                @object = "chat.completion",
                created,
                model = request.Model,
                system_fingerprint = "fp_ollama",
                choices = new[] { new { index = 0, message, finish_reason = finish } },
                usage,
            }, JsonOptions);
            await WriteBodyAsync(context, faults, body, "application/json");
            return;
        }

        string Event(object delta, string? finishReason) => "data: " + JsonSerializer.Serialize(new
        {
            id,
            @object = "chat.completion.chunk",
            created,
            model = request.Model,
            system_fingerprint = "fp_ollama",
            choices = new[] { new { index = 0, delta, finish_reason = finishReason } },
        }, JsonOptions) + "\n\n";

        var events = new List<string>();
        if (toolCall is not null)
        {
            events.Add(Event(new { role = "assistant", content = "", tool_calls = toolCalls }, null));
        }
        else
        {
            foreach (var chunk in chunks)
            {
                if (faults.Active && InBandErrorAfterChunks is { } n && events.Count >= n)
                {
                    await StreamAsync(context, faults, events, "text/event-stream");
                    return;
                }

                events.Add(Event(new { role = "assistant", content = chunk }, null));
            }
        }

        events.Add(Event(new { role = "assistant", content = "" }, finish));
        events.Add("data: [DONE]\n\n");
        await StreamAsync(context, faults, events, "text/event-stream");
    }

    private static object OpenAiError(int status, string message) => new
    {
        error = new
        {
            message,
            type = status switch { 400 => "invalid_request_error", 404 => "not_found_error", _ => "api_error" },
            param = (string?)null,
            code = (string?)null,
        },
    };
}
