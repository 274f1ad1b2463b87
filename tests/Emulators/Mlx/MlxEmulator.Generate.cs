using System.Globalization;
using System.Text.Json.Nodes;
using AgentHost.Emulators.Hosting;
using Microsoft.AspNetCore.Http;

namespace AgentHost.Emulators.Mlx;

/// <summary><c>/api/generate</c> and <c>/api/chat</c>.</summary>
public sealed partial class MlxEmulator
{
    private async Task GenerateAsync(HttpContext context)
    {
        var faults = BeginGeneration();
        if (!await GenerationPreambleAsync(context, faults))
        {
            return;
        }

        var body = await ReadValidatedAsync(context, v =>
        {
            v.String("prompt", required: true);
            v.String("model");
            v.String("category");
            v.Int("max_tokens");
            v.Number("temperature");
            v.Bool("stream");
        });
        if (body is null)
        {
            return;
        }

        if (!await GenerationStatusAsync(context, faults, FastApiValidator.IsTrue(body["stream"])))
        {
            return;
        }

        var model = ResolveModel(FastApiValidator.Text(body["model"]), FastApiValidator.Text(body["category"]));
        var answer = AnswerFor(faults, LastUserText(FastApiValidator.Text(body["prompt"])!));
        await AnswerAsync(context, faults, model, answer, FastApiValidator.IsTrue(body["stream"]), chatShape: false);
    }

    private async Task ChatAsync(HttpContext context)
    {
        if (!ChatRouteEnabled)
        {
            await NotFoundAsync(context);
            return;
        }

        var faults = BeginGeneration();
        if (!await GenerationPreambleAsync(context, faults))
        {
            return;
        }

        var body = await ReadValidatedAsync(context, v =>
        {
            v.String("model", required: true);
            v.Messages("messages");
            v.Bool("stream", nullable: true);
            v.Object("options");
        });
        if (body is null)
        {
            return;
        }

        if (!await GenerationStatusAsync(context, faults, FastApiValidator.IsTrue(body["stream"])))
        {
            return;
        }

        // The real route keeps system and user messages, drops assistant ones, and answers with /api/generate's stream.
        var lastUser = body["messages"]!.AsArray().LastOrDefault(m => FastApiValidator.Text(m?["role"]) == "user");
        var answer = AnswerFor(faults, FastApiValidator.Text(lastUser?["content"]) ?? "");
        await AnswerAsync(context, faults, ResolveModel(FastApiValidator.Text(body["model"]), null), answer, FastApiValidator.IsTrue(body["stream"]), chatShape: true);
    }

    private async Task AnswerAsync(HttpContext context, RequestFaults faults, string model, string answer, bool stream, bool chatShape)
    {
        if (stream)
        {
            IEnumerable<string> lines = faults.MalformedBody
                ? [MalformedJson + "\n"]
                : GenerateStreamLines(answer);
            await StreamAsync(context, faults, lines, "application/json");
            return;
        }

        if (faults.MalformedBody)
        {
            await WriteBodyAsync(context, faults, MalformedJson);
            return;
        }

        var reply = new JsonObject { ["model"] = model };
        if (chatShape)
        {
            reply["created_at"] = DateTime.Now.ToString("yyyy-MM-ddTHH:mm:ss.ffffff", CultureInfo.InvariantCulture);
            reply["message"] = new JsonObject { ["role"] = "assistant", ["content"] = answer };
        }
        else
        {
            reply[AnswerInTextField ? "text" : "response"] = answer;
        }

        reply["done"] = true;
        AddUsage(reply, answer);
        await WriteBodyAsync(context, faults, reply.ToJsonString(JsonOptions));
    }

    /// <summary>
    /// The server's streaming body: the whole answer was generated first, then one <c>json.dumps</c> line per character
    /// (Python's spacing and <c>\uXXXX</c> escapes), then <c>{"response": "", "done": true}</c>.
    /// </summary>
    private IEnumerable<string> GenerateStreamLines(string answer)
    {
        var field = AnswerInTextField ? "text" : "response";
        foreach (var rune in answer.EnumerateRunes())
        {
            yield return $"{{\"{field}\": {PythonJson.String(rune.ToString())}, \"done\": false}}\n";
        }

        if (StreamEndsWithoutDone)
        {
            yield break;
        }

        var usage = SendUsage
            ? $", \"done_reason\": \"stop\", \"prompt_eval_count\": {PromptTokens}, \"eval_count\": {Tokens(answer)}"
            : "";
        yield return $"{{\"{field}\": \"\", \"done\": true{usage}}}\n";
    }

    private void AddUsage(JsonObject reply, string answer)
    {
        if (SendUsage)
        {
            reply["done_reason"] = "stop";
            reply["prompt_eval_count"] = PromptTokens;
            reply["eval_count"] = Tokens(answer);
        }
    }

    private const int PromptTokens = 12;

    private static int Tokens(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;

    /// <summary>
    /// The user's last words in a rendered prompt: the last <c>User:</c> paragraph of a transcript, else the last paragraph
    /// (the server's own clients send <c>"{system}\n\n{prompt}"</c>).
    /// </summary>
    public static string LastUserText(string prompt)
    {
        var paragraphs = prompt.Split("\n\n");
        var user = paragraphs.LastOrDefault(p => p.StartsWith("User: ", StringComparison.Ordinal));
        return user is not null ? user["User: ".Length..] : paragraphs[^1];
    }
}
