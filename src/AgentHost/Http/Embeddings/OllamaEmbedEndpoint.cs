using System.Diagnostics;
using System.Text.Json;
using AgentHost.Fallback;
using Microsoft.Extensions.AI;

namespace AgentHost.Http.Embeddings;

/// <summary>
/// Ollama's embedding routes in its own shapes, answered by the embedding chain: <c>POST /api/embed</c> →
/// <c>{"model","embeddings":[[...]],"total_duration","load_duration","prompt_eval_count"}</c> and the older
/// <c>POST /api/embeddings</c> → <c>{"embedding":[...]}</c>. Errors are <c>{"error": "..."}</c>: a malformed body a 400,
/// an unknown model a 404 <c>model '…' not found</c> (as Ollama), every backend failed a 502 (503 when none could be tried).
/// </summary>
internal static class OllamaEmbedEndpoint
{
    public static Task EmbedAsync(HttpContext context) => HandleAsync(context, OllamaEmbedRequest.ParseEmbed, WriteEmbedAsync);

    public static Task EmbeddingsAsync(HttpContext context) => HandleAsync(context, OllamaEmbedRequest.ParseEmbeddings, WriteEmbeddingsAsync);

    private static async Task HandleAsync(HttpContext context, Func<JsonElement, OllamaEmbedRequest> parse,
        Func<HttpContext, OllamaEmbedRequest, GeneratedEmbeddings<Embedding<float>>, FallbackReport?, TimeSpan, Task> write)
    {
        OllamaEmbedRequest request;
        try
        {
            using var document = await EmbeddingCall.ReadBodyAsync(context) ?? throw new OllamaEmbedException(StatusCodes.Status400BadRequest, "missing request body");
            request = parse(document.RootElement);
        }
        catch (JsonException e)
        {
            await OllamaEmbedError.WriteAsync(context, StatusCodes.Status400BadRequest, e.Message);
            return;
        }
        catch (EmbeddingCall.BodyTooLargeException e)
        {
            await OllamaEmbedError.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, e.Message);
            return;
        }
        catch (OllamaEmbedException e)
        {
            await OllamaEmbedError.WriteAsync(context, e.StatusCode, e.Message);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            if (request.Inputs.Count == 0)
            {
                // As Ollama: no input only loads the model; nothing is embedded.
                await write(context, request, [], null, Stopwatch.GetElapsedTime(started));
                return;
            }

            var options = new EmbeddingGenerationOptions { ModelId = EmbeddingCall.ChainModel(context, request.Model), Dimensions = request.Dimensions };
            var (result, report) = await EmbeddingCall.RunAsync(context, request.Inputs, options);
            await write(context, request, result, report, Stopwatch.GetElapsedTime(started));
        }
        catch (FallbackRouteNotFoundException)
        {
            await OllamaEmbedError.WriteAsync(context, StatusCodes.Status404NotFound, $"model '{request.Model}' not found");
        }
        catch (FallbackExhaustedException e)
        {
            var status = EmbeddingCall.StatusOf(e);
            EmbeddingCall.SetFailureHeaders(context, e);
            EmbeddingCall.Logger(context).NoBackendAnswered(context.Request.Path, status, e.Message);
            await OllamaEmbedError.WriteAsync(context, status, e.Message);
        }
        catch (Exception e) when (EmbeddingCall.IsCallerError(e))
        {
            EmbeddingCall.SetFailureHeaders(context, e);
            await OllamaEmbedError.WriteAsync(context, StatusCodes.Status400BadRequest, FallbackErrorClassifier.Describe(e));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            EmbeddingCall.Logger(context).CallerGone(context.Request.Path);
        }
    }

    private static Task WriteEmbedAsync(HttpContext context, OllamaEmbedRequest request, GeneratedEmbeddings<Embedding<float>> result, FallbackReport? report,
        TimeSpan elapsed) => WriteJsonAsync(context, writer =>
        {
            writer.WriteString("model", request.Model ?? report?.Model ?? result.FirstOrDefault()?.ModelId ?? string.Empty);
            writer.WriteStartArray("embeddings");
            foreach (var embedding in result)
            {
                WriteNumbers(writer, embedding.Vector.Span);
            }

            writer.WriteEndArray();
            writer.WriteNumber("total_duration", (long)(elapsed.TotalMilliseconds * 1_000_000));
            writer.WriteNumber("load_duration", 0);
            writer.WriteNumber("prompt_eval_count", result.Usage?.InputTokenCount ?? 0);
        });

    private static Task WriteEmbeddingsAsync(HttpContext context, OllamaEmbedRequest request, GeneratedEmbeddings<Embedding<float>> result, FallbackReport? report,
        TimeSpan elapsed) => WriteJsonAsync(context, writer =>
        {
            writer.WritePropertyName("embedding");
            WriteNumbers(writer, result.Count > 0 ? result[0].Vector.Span : []);
        });

    private static void WriteNumbers(Utf8JsonWriter writer, ReadOnlySpan<float> vector)
    {
        writer.WriteStartArray();
        foreach (var value in vector)
        {
            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
    }

    private static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }
}
