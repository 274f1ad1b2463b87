using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentHost.Emulators.Hosting;
using Microsoft.AspNetCore.Http;

namespace AgentHost.Emulators.Mlx;

/// <summary>Apple's <c>mlx_lm.server</c>: <c>POST /v1/chat/completions</c> (SSE when streaming) and <c>GET /v1/models</c>.</summary>
public sealed partial class MlxEmulator
{
    /// <summary>The model <c>mlx_lm.server</c> reports it serves.</summary>
    public const string OpenAIModel = "mlx-community/Qwen2.5-3B-Instruct-4bit";

    private Task OpenAIModelsAsync(HttpContext context) => OpenAIMode
        ? WriteJsonAsync(context, 200, new { @object = "list", data = new[] { new { id = OpenAIModel, @object = "model", created = 1_735_689_600 } } })
        : NotFoundAsync(context);

    private async Task OpenAIChatAsync(HttpContext context)
    {
        if (!OpenAIMode)
        {
            await NotFoundAsync(context);
            return;
        }

        var faults = BeginGeneration();
        // Not the MLX API Server: this emulation answers every faulted status before the body, streamed or not.
        if (!await GenerationPreambleAsync(context, faults) || !await GenerationStatusAsync(context, faults, stream: false))
        {
            return;
        }

        var body = await ReadValidatedAsync(context, v => v.Messages("messages"));
        if (body is null)
        {
            return;
        }

        var lastUser = body["messages"]!.AsArray().LastOrDefault(m => FastApiValidator.Text(m?["role"]) == "user");
        var answer = AnswerFor(faults, FastApiValidator.Text(lastUser?["content"]) ?? "");
        var model = FastApiValidator.Text(body["model"]) ?? OpenAIModel;
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        if (FastApiValidator.IsTrue(body["stream"]))
        {
            IEnumerable<string> events = faults.MalformedBody ? ["data: " + MalformedJson + "\n\n"] : OpenAIEvents(id, model, answer);
            await StreamAsync(context, faults, events, "text/event-stream");
            return;
        }

        if (faults.MalformedBody)
        {
            await WriteBodyAsync(context, faults, MalformedJson);
            return;
        }

        var reply = Completion(id, model, "chat.completion", new JsonObject
        {
            ["index"] = 0,
            ["finish_reason"] = "stop",
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = answer },
        });
        reply["usage"] = new JsonObject { ["prompt_tokens"] = PromptTokens, ["completion_tokens"] = Tokens(answer), ["total_tokens"] = PromptTokens + Tokens(answer) };
        await WriteBodyAsync(context, faults, reply.ToJsonString(JsonOptions));
    }

    /// <summary>One SSE event per word (with its spacing), a last one with <c>finish_reason</c>, then <c>data: [DONE]</c>.</summary>
    private IEnumerable<string> OpenAIEvents(string id, string model, string answer)
    {
        foreach (Match word in Regex.Matches(answer, @"\S+\s*|\s+"))
        {
            yield return Event(Completion(id, model, "chat.completion.chunk", new JsonObject
            {
                ["index"] = 0,
                ["finish_reason"] = null,
                ["delta"] = new JsonObject { ["role"] = "assistant", ["content"] = word.Value },
            }));
        }

        if (StreamEndsWithoutDone)
        {
            yield break;
        }

        yield return Event(Completion(id, model, "chat.completion.chunk", new JsonObject
        {
            ["index"] = 0,
            ["finish_reason"] = "stop",
            ["delta"] = new JsonObject { ["role"] = "assistant", ["content"] = "" },
        }));
        yield return "data: [DONE]\n\n";
    }

    private static string Event(JsonObject data) => "data: " + data.ToJsonString(JsonOptions) + "\n\n";

    private static JsonObject Completion(string id, string model, string kind, JsonObject choice) => new()
    {
        ["id"] = id,
        ["system_fingerprint"] = "fp_mlx_emulator",
        ["object"] = kind,
        ["model"] = model,
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["choices"] = new JsonArray(choice),
    };
}
