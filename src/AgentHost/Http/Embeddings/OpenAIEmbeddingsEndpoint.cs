using System.Buffers.Binary;
using System.Text.Json;
using AgentHost.Fallback;
using Microsoft.Extensions.AI;

namespace AgentHost.Http.Embeddings;

/// <summary>
/// <c>POST /v1/embeddings</c> in OpenAI's shape, answered by the embedding chain:
/// <c>{"object":"list","data":[{"object":"embedding","index","embedding"}],"model","usage":{"prompt_tokens","total_tokens"}}</c>
/// plus the chain's report under <c>agent_host</c>; the vectors as numbers, or with <c>encoding_format: base64</c> as
/// little-endian float32 bytes in base64. Errors in OpenAI's shape: a malformed body or unknown model a 400 (as chat),
/// every backend failed a 502 (503 when none could be tried).
/// </summary>
internal static class OpenAIEmbeddingsEndpoint
{
    public static async Task HandleAsync(HttpContext context)
    {
        OpenAIEmbeddingRequest request;
        try
        {
            using var document = await EmbeddingCall.ReadBodyAsync(context)
                ?? throw OpenAIRequestException.Invalid("The request has no body: send a JSON object with 'input'.", null, "invalid_json");
            request = OpenAIEmbeddingRequest.Parse(document.RootElement);
        }
        catch (JsonException e)
        {
            await RefuseAsync(context, OpenAIRequestException.Invalid($"We could not parse the JSON body of your request: {e.Message}", null, "invalid_json"));
            return;
        }
        catch (EmbeddingCall.BodyTooLargeException e)
        {
            await RefuseAsync(context, new OpenAIRequestException(StatusCodes.Status413PayloadTooLarge, e.Message, null, "request_too_large"));
            return;
        }
        catch (OpenAIRequestException e)
        {
            await RefuseAsync(context, e);
            return;
        }

        var options = new EmbeddingGenerationOptions { ModelId = EmbeddingCall.ChainModel(context, request.Model), Dimensions = request.Dimensions };
        if (request.User is { } user)
        {
            (options.AdditionalProperties ??= [])["user"] = user;
        }

        try
        {
            var (result, report) = await EmbeddingCall.RunAsync(context, request.Inputs, options);
            await WriteAsync(context, request, result, report);
        }
        catch (FallbackRouteNotFoundException e)
        {
            await RefuseAsync(context, ChatCompletionsEndpoint.ModelNotFound(e));
        }
        catch (FallbackExhaustedException e)
        {
            var status = EmbeddingCall.StatusOf(e);
            EmbeddingCall.SetFailureHeaders(context, e);
            EmbeddingCall.Logger(context).NoBackendAnswered(context.Request.Path, status, e.Message);
            await OpenAIError.WriteAsync(context, status, e.Message, OpenAIError.ApiError, null, "no_backend_answered", e.Report);
        }
        catch (Exception e) when (EmbeddingCall.IsCallerError(e))
        {
            EmbeddingCall.SetFailureHeaders(context, e);
            await RefuseAsync(context, OpenAIRequestException.Invalid(FallbackErrorClassifier.Describe(e), "input"));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            EmbeddingCall.Logger(context).CallerGone(context.Request.Path);
        }
    }

    private static Task RefuseAsync(HttpContext context, OpenAIRequestException e)
    {
        EmbeddingCall.Logger(context).Refused(context.Request.Method, context.Request.Path, e.StatusCode, e.Message);
        return OpenAIError.WriteAsync(context, e);
    }

    private static async Task WriteAsync(HttpContext context, OpenAIEmbeddingRequest request, GeneratedEmbeddings<Embedding<float>> result, FallbackReport? report)
    {
        using var buffer = new MemoryStream();
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            for (var i = 0; i < result.Count; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("object", "embedding");
                writer.WriteNumber("index", i);
                WriteVector(writer, result[i].Vector.Span, request.Encoding);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("model", report?.Model ?? result.FirstOrDefault()?.ModelId ?? request.Model ?? "agent-host");
            var prompt = result.Usage?.InputTokenCount ?? 0;
            writer.WriteStartObject("usage");
            writer.WriteNumber("prompt_tokens", prompt);
            writer.WriteNumber("total_tokens", result.Usage?.TotalTokenCount ?? prompt);
            writer.WriteEndObject();
            if (report is not null)
            {
                writer.WritePropertyName(ChatCompletionJson.ReportProperty);
                ChatCompletionJson.WriteReport(writer, report);
            }

            writer.WriteEndObject();
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }

    private static void WriteVector(Utf8JsonWriter writer, ReadOnlySpan<float> vector, EmbeddingEncoding encoding)
    {
        if (encoding == EmbeddingEncoding.Base64)
        {
            var bytes = new byte[vector.Length * sizeof(float)];
            for (var i = 0; i < vector.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
            }

            writer.WriteBase64String("embedding", bytes);
            return;
        }

        writer.WriteStartArray("embedding");
        foreach (var value in vector)
        {
            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
    }
}
