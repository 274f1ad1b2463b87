using System.Text.Json;
using System.Text.Json.Nodes;
using AgentHost.Emulators.Hosting;
using Microsoft.AspNetCore.Http;

namespace AgentHost.Emulators.Ollama;

public sealed partial class OllamaEmulator
{
    private const string NdJson = "application/x-ndjson";
    private const string Json = "application/json; charset=utf-8";

    // POST /api/chat: "stream" defaults to true; NDJSON lines; the last has done: true and the usage counts.
    private async Task ChatAsync(HttpContext context)
    {
        var faults = BeginGeneration();
        var body = await ReadBodyAsync(context);
        var request = OllamaConversation.Parse(body);
        if (request is null)
        {
            await WriteJsonAsync(context, 400, new { error = "invalid character 'x' looking for beginning of value" });
            return;
        }

        if (!await DelayFirstByteAsync(context, faults))
        {
            return;
        }

        if (faults.StatusCode is { } status)
        {
            await WriteJsonAsync(context, status, new { error = ErrorText(faults, status) }, faults.RetryAfter);
            return;
        }

        if (string.IsNullOrWhiteSpace(request.Model))
        {
            await WriteJsonAsync(context, 400, new { error = "model is required" });
            return;
        }

        if (Resolve(request.Model) is not { } model)
        {
            await WriteJsonAsync(context, 404, new { error = NotFound(request.Model) });
            return;
        }

        Load(model);
        var stream = request.Stream ?? true;
        if (!request.HasMessages)
        {
            // A request without messages only loads the model (keep_alive says for how long).
            await WriteJsonAsync(context, 200, new { model = request.Model, created_at = Now(), message = new { role = "assistant", content = "" }, done_reason = "load", done = true });
            return;
        }

        if (faults.MalformedBody)
        {
            await WriteBodyAsync(context, faults, MalformedJson + "\n", stream ? NdJson : Json);
            return;
        }

        var toolCall = request.ToolNames.Count > 0 ? ToolCallScript(request.Messages, request.ToolNames) : null;
        var text = toolCall is null ? request.AnswerText(faults.Answer) : string.Empty;
        var chunks = OllamaConversation.Chunk(text, Math.Max(1, WordsPerChunk));
        var inBand = faults.Active ? InBandErrorAfterChunks : null;
        var errorLine = JsonSerializer.Serialize(new { error = faults.ErrorMessage ?? RunnerStoppedError }, JsonOptions);

        if (inBand is not null && (!stream || (inBand == 0 && ErrorsBeforeContentAsStatus)))
        {
            // Not streamed, the server collects the whole answer first and answers the runner's failure with 500
            // {"error"} (server/routes.go, writeChatResponse); streamed, a failure before any content is the same 500
            // since 0.12.6 (streamResponse writes the status while nothing was written).
            await WriteJsonAsync(context, 500, new { error = faults.ErrorMessage ?? RunnerStoppedError });
            return;
        }

        if (!stream)
        {
            await WriteBodyAsync(context, faults, Line(request.Model!, Message(text, toolCall), done: true, Usage(request, chunks.Count)), Json);
            return;
        }

        var lines = new List<string>();
        if (toolCall is not null)
        {
            lines.Add(Line(request.Model!, Message(string.Empty, toolCall), done: false) + "\n");
        }
        else
        {
            foreach (var chunk in chunks)
            {
                if (inBand is { } n && lines.Count >= n)
                {
                    break;
                }

                lines.Add(Line(request.Model!, Message(chunk, null), done: false) + "\n");
            }
        }

        lines.Add(inBand is not null
            ? errorLine + "\n"
            : Line(request.Model!, Message(string.Empty, null), done: true, Usage(request, chunks.Count)) + "\n");
        await StreamAsync(context, faults, lines, NdJson);
    }

    // POST /api/embed: {"model", "input": string | [string]} → {"model", "embeddings": [[...]]}; deterministic vectors.
    private async Task EmbedAsync(HttpContext context)
    {
        JsonObject? request;
        try
        {
            request = JsonNode.Parse(await ReadBodyAsync(context)) as JsonObject;
        }
        catch (JsonException)
        {
            request = null;
        }

        var modelName = (request?["model"] as JsonValue)?.GetValue<string>();
        if (request is null || string.IsNullOrWhiteSpace(modelName))
        {
            await WriteJsonAsync(context, 400, new { error = "model is required" });
            return;
        }

        if (Resolve(modelName) is null)
        {
            await WriteJsonAsync(context, 404, new { error = NotFound(modelName) });
            return;
        }

        // The generation faults apply here too (503, 500, a hang, a malformed body), in Ollama's {"error"} shape.
        var faults = BeginGeneration();
        if (!await DelayFirstByteAsync(context, faults))
        {
            return;
        }

        if (faults.StatusCode is { } status)
        {
            await WriteJsonAsync(context, status, new { error = faults.ErrorMessage ?? (status == 503 ? "server busy, please try again.  maximum pending requests exceeded" : $"error {status}") }, faults.RetryAfter);
            return;
        }

        if (faults.MalformedBody)
        {
            await WriteBodyAsync(context, faults, MalformedJson);
            return;
        }

        var inputs = request["input"] switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => [s],
            JsonArray a => a.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : string.Empty).ToList(),
            _ => new List<string>(),
        };
        await WriteJsonAsync(context, 200, new
        {
            model = modelName,
            embeddings = inputs.Select(HashedEmbedding.Of),
            total_duration = 14_143_917,
            load_duration = 1_019_500,
            prompt_eval_count = inputs.Sum(i => OllamaConversation.Words(i).Count),
        });
    }

    private static string Line(string model, object message, bool done, object? usage = null)
    {
        var line = new JsonObject
        {
            ["model"] = model,
            ["created_at"] = Now(),
            ["message"] = JsonSerializer.SerializeToNode(message, JsonOptions),
        };
        if (usage is not null)
        {
            line["done_reason"] = "stop";
        }

        line["done"] = done;
        if (usage is not null && JsonSerializer.SerializeToNode(usage, JsonOptions) is JsonObject counts)
        {
            foreach (var (key, value) in counts)
            {
                line[key] = value?.DeepClone();
            }
        }

        return line.ToJsonString(JsonOptions);
    }

    private static object Message(string content, OllamaToolCall? toolCall) => toolCall is null
        ? new { role = "assistant", content }
        : new { role = "assistant", content, tool_calls = new[] { new { function = new { name = toolCall.Name, arguments = toolCall.Arguments } } } };

    private static object Usage(OllamaConversation request, int evalCount) => new
    {
        total_duration = 4_883_583_458L,
        load_duration = 1_334_875L,
        prompt_eval_count = request.PromptTokens,
        prompt_eval_duration = 342_546_000L,
        eval_count = Math.Max(1, evalCount),
        eval_duration = 4_535_599_000L,
    };

    private static async Task<string> ReadBodyAsync(HttpContext context)
    {
        context.Request.Body.Position = 0;
        using var reader = new StreamReader(context.Request.Body, leaveOpen: true);
        return await reader.ReadToEndAsync(context.RequestAborted);
    }
}
