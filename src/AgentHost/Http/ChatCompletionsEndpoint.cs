using System.Text.Json;
using AgentHost.Fallback;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AgentHost.Http;

/// <summary>
/// <c>POST /v1/chat/completions</c> in OpenAI's shape, answered by the fallback chain's <see cref="IChatClient"/>.
/// The <c>model</c> field names a route or a model some backend serves (a strict caller choice: unknown is a 400
/// <c>model_not_found</c> listing what exists); absent or <see cref="HttpServiceOptions.ChainModelId"/>, the rules decide.
/// Every answer names its backend in <see cref="BackendHeader"/>, its route and chooser in <see cref="RouteHeader"/>,
/// and both in the body's <c>agent_host</c> report. A request with <see cref="ConversationRecorder.IdHeader"/> has its turn
/// stored (<see cref="ConversationRecorder"/>): complete, interrupted (cut, or the caller went away) or failed.
/// </summary>
internal sealed partial class ChatCompletionsEndpoint(IChatClient chat, FallbackRouter router, IOptions<HttpServiceOptions> options, TimeProvider time,
    ConversationRecorder recorder, ILogger<ChatCompletionsEndpoint> logger)
{
    /// <summary>The header naming the backend that answered.</summary>
    public const string BackendHeader = "x-agent-backend";

    private readonly HttpServiceOptions _options = options.Value;

    public async Task HandleAsync(HttpContext context)
    {
        ChatCompletionRequest request;
        ConversationRecorder.TurnRecording? recording;
        try
        {
            using var document = await ReadJsonAsync(context, _options.MaxRequestBodyBytes);
            try
            {
                request = ChatCompletionRequestParser.Parse(document.RootElement);
            }
            catch (InvalidOperationException e) when (e.InnerException is System.Text.DecoderFallbackException)
            {
                // JsonDocument checks UTF-8 inside strings only when they are read.
                throw OpenAIRequestException.Invalid($"We could not parse the JSON body of your request: {e.Message}", null, "invalid_json");
            }

            recording = recorder.Begin(context, request);
            await ChooseRouteAsync(request, router, _options.ChainModelId, context.RequestAborted);
        }
        catch (OpenAIRequestException e)
        {
            logger.Refused(context.Request.Method, context.Request.Path, e.StatusCode, e.Message);
            await OpenAIError.WriteAsync(context, e);
            return;
        }

        try
        {
            if (request.Stream)
            {
                await StreamAsync(context, request, recording);
            }
            else
            {
                await AnswerAsync(context, request, recording);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            logger.CallerGone(context.Request.Path);
        }
        finally
        {
            // Every way out that did not store the turn (the caller went away mid-answer): what went out, as interrupted.
            if (recording is { Finished: false })
            {
                await recording.FinishAsync(Conversations.TurnStatus.Interrupted, "The caller went away before the answer finished.");
            }
        }
    }

    /// <summary>Reads the request body as JSON: too large is a 413, not JSON a 400 <c>invalid_json</c> (in the path's error shape).</summary>
    internal static async Task<JsonDocument> ReadJsonAsync(HttpContext context, long maxRequestBodyBytes)
    {
        if (context.Request.ContentLength > maxRequestBodyBytes)
        {
            throw TooLarge(maxRequestBodyBytes);
        }

        try
        {
            return await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        }
        catch (JsonException e)
        {
            throw OpenAIRequestException.Invalid($"We could not parse the JSON body of your request: {e.Message}", null, "invalid_json");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(maxRequestBodyBytes);
        }
    }

    /// <summary>
    /// Decides the request's route and models once, when it names a <c>model</c> (other than the chain's own id), and
    /// hands the decision to the chain typed (<see cref="FallbackChatOptionsExtensions.WithFallbackDecision"/>): the
    /// chain does not resolve the name again. A name that is neither a route nor a served model is a 400
    /// <c>model_not_found</c>, before any answer starts. A request naming nothing is decided by the chain itself.
    /// </summary>
    internal static async Task ChooseRouteAsync(ChatCompletionRequest request, FallbackRouter router, string chainModelId, CancellationToken cancellationToken)
    {
        if (request.Model is not { } name || IsChain(name, chainModelId))
        {
            return;
        }

        try
        {
            var decision = await router.DecideAsync(request.Messages, request.Options.WithFallbackRoute(name.Trim()), cancellationToken);
            request.Options.WithFallbackDecision(decision);
        }
        catch (FallbackRouteNotFoundException e)
        {
            throw ModelNotFound(e);
        }
    }

    /// <summary>Whether <paramref name="model"/> is no choice at all: blank or the chain's own id.</summary>
    internal static bool IsChain(string? model, string chainModelId) =>
        string.IsNullOrWhiteSpace(model) || string.Equals(model.Trim(), chainModelId, StringComparison.OrdinalIgnoreCase);

    /// <summary>The router's decision for <paramref name="name"/>; an unknown name becomes <see cref="ModelNotFound"/>.</summary>
    internal static async Task<FallbackRouteDecision> ResolveAsync(FallbackRouter router, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await router.ResolveAsync(name, cancellationToken);
        }
        catch (FallbackRouteNotFoundException e)
        {
            throw ModelNotFound(e);
        }
    }

    /// <summary>OpenAI's 400 for a model that does not exist, with the router's message listing the routes and models.</summary>
    internal static OpenAIRequestException ModelNotFound(FallbackRouteNotFoundException e) =>
        OpenAIRequestException.Invalid(e.Message + " See GET /v1/models.", "model", "model_not_found");

    private static OpenAIRequestException TooLarge(long maxRequestBodyBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than the limit of {maxRequestBodyBytes} bytes.", null, "request_too_large");

    private async Task AnswerAsync(HttpContext context, ChatCompletionRequest request, ConversationRecorder.TurnRecording? recording)
    {
        ChatResponse response;
        try
        {
            response = await chat.GetResponseAsync(request.Messages, request.Options, context.RequestAborted);
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            // The chain's typed failures (exhausted, caller error, route not found) and anything else: mapped to an HTTP error.
            if (recording is not null)
            {
                await recording.FinishAsync(Conversations.TurnStatus.Failed, e.Message);
            }

            await WriteFailureAsync(context, e);
            return;
        }

        var report = response.GetFallbackReport();
        await RateLimitServiceExtensions.ChargeTokensAsync(context, report is { Cached: true } ? 0 : RateLimitServiceExtensions.TokensOf(response.Usage)); // a cached answer used none
        if (report?.Backend is { } backend)
        {
            context.Response.Headers[BackendHeader] = backend;
        }

        RouteHeader.Set(context.Response, report);
        if (recording is not null)
        {
            // Stored before the body, so a store failure can still be told in a header.
            recording.Add(response.Text);
            recording.Answered(report, response.ModelId);
            await recording.FinishAsync(Conversations.TurnStatus.Complete);
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            ChatCompletionJson.WriteCompletion(writer, NewId(), Now(), report?.Model ?? response.ModelId ?? _options.ChainModelId, response, report);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>Maps a failed chain call to OpenAI's error shape: every backend failed → 502 (503 when none could be tried).</summary>
    private async Task WriteFailureAsync(HttpContext context, Exception e)
    {
        var path = context.Request.Path;
        RouteHeader.Set(context.Response, e.GetFallbackReport());
        switch (e)
        {
            case FallbackRouteNotFoundException notFound:
                var refusal = ModelNotFound(notFound);
                logger.Refused(context.Request.Method, path, refusal.StatusCode, refusal.Message);
                await OpenAIError.WriteAsync(context, refusal);
                break;
            case FallbackExhaustedException exhausted:
                var status = ChainFailure.ExhaustedStatus(exhausted);
                logger.NoBackendAnswered(path, status, e.Message);
                await OpenAIError.WriteAsync(context, status, e.Message, OpenAIError.ApiError, null, "no_backend_answered", exhausted.Report);
                break;
            case var _ when ChainFailure.IsRejection(e):
                var message = ChainFailure.RejectionMessage(e);
                logger.Refused(context.Request.Method, path, 400, message);
                await OpenAIError.WriteAsync(context, StatusCodes.Status400BadRequest, message, OpenAIError.InvalidRequest, null, "backend_rejected_request", e.GetFallbackReport());
                break;
            default:
                logger.Unhandled(e, context.Request.Method, path);
                await OpenAIError.WriteAsync(context, StatusCodes.Status500InternalServerError, $"The host failed to answer: {e.Message}",
                    OpenAIError.ApiError, null, "internal_error", e.GetFallbackReport());
                break;
        }
    }

    private static string NewId() => $"chatcmpl-{Guid.NewGuid():N}";

    private long Now() => time.GetUtcNow().ToUnixTimeSeconds();
}
