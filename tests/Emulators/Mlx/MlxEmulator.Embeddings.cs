using AgentHost.Emulators.Ollama;
using Microsoft.AspNetCore.Http;

namespace AgentHost.Emulators.Mlx;

/// <summary>
/// An opt-in OpenAI-shaped <c>POST /v1/embeddings</c> (<see cref="EmbeddingsEnabled"/>), for MLX builds or servers that
/// have one: the MLX API Server's public source has none, so off it answers FastAPI's 404 <c>{"detail": "Not Found"}</c>.
/// Vectors are <see cref="HashedEmbedding"/>'s reversed (deterministic, and not the Ollama emulator's); the generation
/// faults apply (FastAPI's <c>{"detail"}</c> statuses, a hang, a malformed body).
/// </summary>
public sealed partial class MlxEmulator
{
    /// <summary>The embedding model this route reports when a request names none.</summary>
    public const string EmbeddingModel = "mlx-community/bge-small-en-v1.5";

    /// <summary>Whether <c>POST /v1/embeddings</c> answers (off: 404, as the MLX API Server).</summary>
    public bool EmbeddingsEnabled { get; set; }

    /// <summary>The embedding of <paramref name="text"/> as this emulator computes it.</summary>
    public static float[] EmbeddingOf(string text) => [.. HashedEmbedding.Of(text).Reverse()];

    private async Task EmbeddingsAsync(HttpContext context)
    {
        if (!EmbeddingsEnabled)
        {
            await NotFoundAsync(context);
            return;
        }

        var faults = BeginGeneration();
        if (!await GenerationPreambleAsync(context, faults) || !await GenerationStatusAsync(context, faults, stream: false))
        {
            return;
        }

        var body = await ReadValidatedAsync(context, _ => { });
        if (body is null)
        {
            return;
        }

        if (faults.MalformedBody)
        {
            await WriteBodyAsync(context, faults, MalformedJson);
            return;
        }

        var inputs = body["input"] switch
        {
            System.Text.Json.Nodes.JsonArray a => a.Select(n => FastApiValidator.Text(n) ?? string.Empty).ToList(),
            var n => [FastApiValidator.Text(n) ?? string.Empty],
        };
        var tokens = inputs.Sum(i => OllamaConversation.Words(i).Count);
        await WriteJsonAsync(context, 200, new
        {
            @object = "list",
            data = inputs.Select((text, i) => new { @object = "embedding", index = i, embedding = EmbeddingOf(text) }),
            model = FastApiValidator.Text(body["model"]) ?? EmbeddingModel,
            usage = new { prompt_tokens = tokens, total_tokens = tokens },
        });
    }
}
