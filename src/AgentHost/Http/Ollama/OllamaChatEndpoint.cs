using System.Text.Json;
using AgentHost.Fallback;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AgentHost.Http.Ollama;

/// <summary>
/// Ollama's <c>POST /api/chat</c> and <c>POST /api/generate</c>, answered by the fallback chain's <see cref="IChatClient"/>
/// as <see cref="ChatCompletionsEndpoint"/> answers OpenAI's: <c>model</c> names a route, a served model or
/// <see cref="HttpServiceOptions.ChainModelId"/> (required, as on Ollama: 400 <c>model is required</c>; unknown: 404
/// <c>model 'x' not found</c>), the answer names its backend in <see cref="ChatCompletionsEndpoint.BackendHeader"/> and
/// <see cref="RouteHeader"/>. Streamed (the default) as NDJSON, one line per update, then a <c>done: true</c> line with the
/// metrics; a failure after the first line is Ollama's in-band <c>{"error": "..."}</c> line and never a <c>done</c>.
/// <c>/api/chat</c> with <see cref="ConversationRecorder.IdHeader"/> has its turn stored, as on <c>/v1/chat/completions</c>.
/// </summary>
internal sealed partial class OllamaChatEndpoint(IChatClient chat, FallbackRouter router, IOptions<HttpServiceOptions> options, TimeProvider time,
    ConversationRecorder recorder, ILogger<OllamaChatEndpoint> logger)
{
    /// <summary>Ollama's content type for a streamed answer.</summary>
    public const string NdjsonContentType = "application/x-ndjson";

    private readonly HttpServiceOptions _options = options.Value;

    /// <summary><c>POST /api/chat</c>.</summary>
    public Task ChatAsync(HttpContext context) => HandleAsync(context, OllamaShape.Chat);

    /// <summary><c>POST /api/generate</c>.</summary>
    public Task GenerateAsync(HttpContext context) => HandleAsync(context, OllamaShape.Generate);

    private async Task HandleAsync(HttpContext context, OllamaShape shape)
    {
        OllamaRequest request;
        ConversationRecorder.TurnRecording? recording = null;
        try
        {
            using var document = await ChatCompletionsEndpoint.ReadJsonAsync(context, _options.MaxRequestBodyBytes);
            try
            {
                request = shape == OllamaShape.Chat ? OllamaRequestParser.ParseChat(document.RootElement) : OllamaRequestParser.ParseGenerate(document.RootElement);
            }
            catch (InvalidOperationException e) when (e.InnerException is System.Text.DecoderFallbackException)
            {
                // JsonDocument checks UTF-8 inside strings only when they are read.
                throw OpenAIRequestException.Invalid($"We could not parse the JSON body of your request: {e.Message}", null, "invalid_json");
            }

            await ChooseRouteAsync(request, context.RequestAborted);
            if (shape == OllamaShape.Chat && !request.LoadOnly)
            {
                recording = recorder.Begin(context, request.Chat);
            }
        }
        catch (OpenAIRequestException e)
        {
            logger.Refused(context.Request.Method, context.Request.Path, e.StatusCode, e.Message);
            await OpenAIError.WriteAsync(context, e);
            return;
        }

        try
        {
            if (request.LoadOnly)
            {
                await WriteLoadedAsync(context, shape, request);
            }
            else if (request.Chat.Stream)
            {
                await StreamAsync(context, shape, request, recording);
            }
            else
            {
                await AnswerAsync(context, shape, request, recording);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            logger.CallerGone(context.Request.Path);
        }
        finally
        {
            if (recording is { Finished: false })
            {
                await recording.FinishAsync(Conversations.TurnStatus.Interrupted, "The caller went away before the answer finished.");
            }
        }
    }

    /// <summary>The route decision, as on <c>/v1/chat/completions</c>; an unknown name is Ollama's 404 <c>model 'x' not found</c>.</summary>
    private async Task ChooseRouteAsync(OllamaRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await ChatCompletionsEndpoint.ChooseRouteAsync(request.Chat, router, _options.ChainModelId, cancellationToken);
        }
        catch (OpenAIRequestException e) when (e.Code == "model_not_found")
        {
            throw NotFound(request.Model);
        }
    }

    /// <summary>Ollama's 404 for a model it does not have.</summary>
    internal static OpenAIRequestException NotFound(string model) =>
        new(StatusCodes.Status404NotFound, $"model '{model}' not found", "model", "model_not_found");

    /// <summary>No messages or prompt: Ollama loads the model and answers <c>done_reason: "load"</c>; the chain has nothing to load.</summary>
    private async Task WriteLoadedAsync(HttpContext context, OllamaShape shape, OllamaRequest request)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        await using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            OllamaJson.Write(writer, shape, request.Model, time.GetUtcNow(), "", [], new OllamaDone("load", TimeSpan.Zero, TimeSpan.Zero, null), null);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private async Task AnswerAsync(HttpContext context, OllamaShape shape, OllamaRequest request, ConversationRecorder.TurnRecording? recording)
    {
        var started = time.GetTimestamp();
        ChatResponse response;
        try
        {
            response = await chat.GetResponseAsync(request.Chat.Messages, request.Chat.Options, context.RequestAborted);
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            // The chain's typed failures (exhausted, caller error, route not found) and anything else: an Ollama-shaped HTTP error.
            if (recording is not null)
            {
                await recording.FinishAsync(Conversations.TurnStatus.Failed, e.Message);
            }

            await WriteFailureAsync(context, e);
            return;
        }

        var elapsed = time.GetElapsedTime(started);
        var report = response.GetFallbackReport();
        await RateLimitServiceExtensions.ChargeTokensAsync(context, report is { Cached: true } ? 0 : RateLimitServiceExtensions.TokensOf(response.Usage));
        SetHeaders(context, report);
        if (recording is not null)
        {
            recording.Add(response.Text);
            recording.Answered(report, response.ModelId);
            await recording.FinishAsync(Conversations.TurnStatus.Complete);
        }

        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        var firstToken = report?.Attempts is [.., var last] ? last.TimeToFirstToken ?? TimeSpan.Zero : TimeSpan.Zero;
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        await using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            OllamaJson.Write(writer, shape, request.Model, time.GetUtcNow(), response.Text, calls,
                new OllamaDone(OllamaDone.ReasonOf(response.FinishReason), elapsed, firstToken, response.Usage), report);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>Maps a failed chain call to Ollama's error shape: every backend failed → 502 (503 when none could be tried).</summary>
    private async Task WriteFailureAsync(HttpContext context, Exception e)
    {
        var path = context.Request.Path;
        RouteHeader.Set(context.Response, e.GetFallbackReport());
        switch (e)
        {
            case FallbackRouteNotFoundException notFound:
                logger.Refused(context.Request.Method, path, StatusCodes.Status404NotFound, notFound.Message);
                await OpenAIError.WriteAsync(context, StatusCodes.Status404NotFound, notFound.Message, OpenAIError.InvalidRequest, null, "model_not_found");
                break;
            case FallbackExhaustedException exhausted:
                var status = ChainFailure.ExhaustedStatus(exhausted);
                logger.NoBackendAnswered(path, status, e.Message);
                await OpenAIError.WriteAsync(context, status, e.Message, OpenAIError.ApiError, null, "no_backend_answered");
                break;
            case var _ when ChainFailure.IsRejection(e):
                var message = ChainFailure.RejectionMessage(e);
                logger.Refused(context.Request.Method, path, StatusCodes.Status400BadRequest, message);
                await OpenAIError.WriteAsync(context, StatusCodes.Status400BadRequest, message, OpenAIError.InvalidRequest, null, "backend_rejected_request");
                break;
            default:
                logger.Unhandled(e, context.Request.Method, path);
                await OpenAIError.WriteAsync(context, StatusCodes.Status500InternalServerError, $"The host failed to answer: {e.Message}", OpenAIError.ApiError, null, "internal_error");
                break;
        }
    }

    private static void SetHeaders(HttpContext context, FallbackReport? report)
    {
        if (report?.Backend is { } backend)
        {
            context.Response.Headers[ChatCompletionsEndpoint.BackendHeader] = backend;
        }

        RouteHeader.Set(context.Response, report);
    }
}
