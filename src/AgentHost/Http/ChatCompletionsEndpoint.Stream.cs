using AgentHost.Fallback;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.AI;

namespace AgentHost.Http;

internal sealed partial class ChatCompletionsEndpoint
{
    /// <summary>
    /// Streams the answer as SSE: one <c>data: {chat.completion.chunk}</c> event per update, flushed as it arrives, then
    /// <c>data: [DONE]</c>. While the chain is still looking for a backend, each failed, skipped or deferred backend is
    /// an SSE comment (<c>: agent-host: Mlx failed (…) → trying Ollama</c>), which OpenAI clients ignore. A failure
    /// before anything was sent is a plain HTTP error; after it, an SSE error event (naming the backend, or
    /// <c>no_backend_answered</c> naming each), and the stream ends without <c>[DONE]</c>. With a
    /// <paramref name="recording"/>, the text streamed is stored: complete after the last chunk, interrupted when the
    /// stream broke, failed when no backend answered; a store failure is a comment <c>: agent-host: conversation-error: …</c>.
    /// </summary>
    private async Task StreamAsync(HttpContext context, ChatCompletionRequest request, ConversationRecorder.TurnRecording? recording)
    {
        var cancellationToken = context.RequestAborted;
        await using var updates = chat.GetStreamingResponseAsync(request.Messages, request.Options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        SseWriter? sse = null;
        ChatResponseUpdate? first = null;
        List<FallbackProgress>? told = null;    // progress held back until the chain has looked for ProgressAfter
        long firstProgressAt = 0;
        while (first is null)
        {
            bool any;
            try
            {
                var next = updates.MoveNextAsync();
                if (sse is null && told is not null)
                {
                    // Still looking: once it has taken ProgressAfter since the first failure or skip, say so (even when
                    // the next update is already there: the time has passed, so the comments are due).
                    var left = _options.ProgressAfter - time.GetElapsedTime(firstProgressAt);
                    if (left <= TimeSpan.Zero)
                    {
                        sse = await StartProgressAsync(context, told, cancellationToken);
                    }
                    else if (!next.IsCompleted)
                    {
                        var moved = next.AsTask();
                        if (await Task.WhenAny(moved, Task.Delay(left, time, cancellationToken)) != moved)
                        {
                            sse = await StartProgressAsync(context, told, cancellationToken);
                        }

                        next = new ValueTask<bool>(moved);
                    }
                }

                any = await next;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The chain's typed failures and anything else: an HTTP error before the stream started, an error event after.
                var storeError = recording is null ? null : await recording.FinishAsync(Conversations.TurnStatus.Failed, e.Message);
                if (sse is null)
                {
                    await WriteFailureAsync(context, e);
                }
                else
                {
                    // The status (200) went out with the first progress comment: the failure is an event.
                    await TellStoreErrorAsync(sse, storeError, cancellationToken);
                    await WriteStreamFailureAsync(context, sse, e, cancellationToken);
                }

                return;
            }

            if (!any)
            {
                break;
            }

            if (updates.Current.GetFallbackProgress() is { } progress)
            {
                logger.Progress(progress.Message);
                if (sse is null)
                {
                    firstProgressAt = told is null ? time.GetTimestamp() : firstProgressAt;
                    (told ??= []).Add(progress);
                }
                else
                {
                    await sse.WriteCommentAsync("agent-host: " + progress.Message, cancellationToken);
                }

                continue;
            }

            first = updates.Current;
        }

        var report = first?.GetFallbackReport();
        recording?.Answered(report, first?.ModelId);
        if (sse is null)
        {
            sse = StartSse(context, report, report?.Model ?? first?.ModelId);
        }
        else
        {
            // Headers went out before the backend was known: it is named in the first chunk's agent_host.
            sse.Model = report?.Model ?? first?.ModelId ?? sse.Model;
        }

        ChatFinishReason? finish = null;
        UsageDetails? usage = null;
        var toolCalls = 0;
        try
        {
            var update = first;
            var isFirst = true;
            while (update is not null)
            {
                report = update.GetFallbackReport() ?? report;
                recording?.Answered(report, null);
                finish = update.FinishReason ?? finish;
                foreach (var u in update.Contents.OfType<UsageContent>())
                {
                    usage ??= new UsageDetails();
                    usage.Add(u.Details);
                }

                var text = update.Text;
                var calls = update.Contents.OfType<FunctionCallContent>().ToList();
                if (isFirst || text.Length > 0 || calls.Count > 0)
                {
                    var role = isFirst;
                    var index = toolCalls;
                    await sse.WriteAsync(w => ChatCompletionJson.WriteChunk(w, sse.Id, sse.Created, sse.Model, d =>
                    {
                        if (role)
                        {
                            d.WriteString("role", "assistant");
                        }

                        if (text.Length > 0 || role)
                        {
                            d.WriteString("content", text);
                        }

                        if (calls.Count > 0)
                        {
                            ChatCompletionJson.WriteToolCalls(d, calls, withIndex: true, index);
                        }
                    }, report: role ? report : null), cancellationToken);
                    recording?.Add(text);
                    toolCalls += calls.Count;
                    isFirst = false;
                }

                update = await updates.MoveNextAsync() ? updates.Current : null;
            }
        }
        catch (FallbackStreamInterruptedException e)
        {
            logger.StreamInterrupted(e.Message);
            await TellStoreErrorAsync(sse, recording is null ? null : await recording.FinishAsync(Conversations.TurnStatus.Interrupted, e.Message), cancellationToken);
            await sse.WriteAsync(w =>
            {
                w.WriteStartObject();
                OpenAIError.WriteErrorObject(w, e.Message, OpenAIError.ApiError, null, "backend_stream_interrupted", e.Backend);
                w.WritePropertyName(ChatCompletionJson.ReportProperty);
                ChatCompletionJson.WriteReport(w, e.Report);
                w.WriteEndObject();
            }, cancellationToken);
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A failure while writing the stream itself (a bug, a serializer error): one error event, never a silent end.
            logger.Unhandled(e, context.Request.Method, context.Request.Path);
            await TellStoreErrorAsync(sse, recording is null ? null : await recording.FinishAsync(Conversations.TurnStatus.Interrupted, $"The stream failed: {e.Message}"), cancellationToken);
            await sse.WriteAsync(w =>
            {
                w.WriteStartObject();
                OpenAIError.WriteErrorObject(w, $"The stream failed: {e.Message}", OpenAIError.ApiError, null, "stream_failed", report?.Backend);
                w.WriteEndObject();
            }, cancellationToken);
            return;
        }
        finally
        {
            // What was used, answered or not; an answer from the route's cache used none.
            await RateLimitServiceExtensions.ChargeTokensAsync(context, report is { Cached: true } ? 0 : RateLimitServiceExtensions.TokensOf(usage));
        }

        await TellStoreErrorAsync(sse, recording is null ? null : await recording.FinishAsync(Conversations.TurnStatus.Complete), cancellationToken);
        var reason = ChatCompletionJson.FinishReason(finish, toolCalls > 0);
        await sse.WriteAsync(w => ChatCompletionJson.WriteChunk(w, sse.Id, sse.Created, sse.Model, null, reason, report: report), cancellationToken);
        if (request.IncludeUsage)
        {
            await sse.WriteAsync(w => ChatCompletionJson.WriteChunk(w, sse.Id, sse.Created, sse.Model, null,
                usage: usage ?? new UsageDetails(), usageOnly: true), cancellationToken);
        }

        await sse.WriteDoneAsync(cancellationToken);
    }

    /// <summary>Tells a turn the store could not keep as an SSE comment (the headers are already out).</summary>
    private static Task TellStoreErrorAsync(SseWriter sse, string? error, CancellationToken cancellationToken) =>
        error is null ? Task.CompletedTask : sse.WriteCommentAsync("agent-host: conversation-error: " + error, cancellationToken);

    /// <summary>Starts the SSE response for progress (the backend is not known yet) and writes the progress held so far.</summary>
    private async Task<SseWriter> StartProgressAsync(HttpContext context, List<FallbackProgress> progress, CancellationToken cancellationToken)
    {
        var route = progress[0].Route is null ? null : new FallbackReport { Route = progress[0].Route, ChosenBy = progress[0].ChosenBy };
        var sse = StartSse(context, route, null);
        foreach (var p in progress)
        {
            await sse.WriteCommentAsync("agent-host: " + p.Message, cancellationToken);
        }

        return sse;
    }

    /// <summary>Starts the SSE response: status 200, the backend and route headers known so far, no buffering.</summary>
    private SseWriter StartSse(HttpContext context, FallbackReport? report, string? model)
    {
        if (report?.Backend is { } backend)
        {
            context.Response.Headers[BackendHeader] = backend;
        }

        RouteHeader.Set(context.Response, report);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        return new SseWriter(context, NewId(), Now(), model ?? _options.ChainModelId);
    }

    /// <summary>A failure after progress comments went out (status 200 already sent): an OpenAI-shaped error event, no <c>[DONE]</c>.</summary>
    private async Task WriteStreamFailureAsync(HttpContext context, SseWriter sse, Exception e, CancellationToken cancellationToken)
    {
        var (message, type, code) = e switch
        {
            FallbackExhaustedException => (e.Message, OpenAIError.ApiError, "no_backend_answered"),
            HttpRequestException { StatusCode: System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.UnprocessableEntity }
                or Microsoft.SemanticKernel.HttpOperationException { StatusCode: System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.UnprocessableEntity } or ArgumentException =>
                ($"{(e.GetFallbackReport()?.Attempts is [.., var lastAttempt] ? lastAttempt.Backend : null) ?? "A backend"} rejected the request: {e.Message}", OpenAIError.InvalidRequest, "backend_rejected_request"),
            _ => ($"The stream failed: {e.Message}", OpenAIError.ApiError, "stream_failed"),
        };
        if (e is FallbackExhaustedException)
        {
            logger.NoBackendAnswered(context.Request.Path, StatusCodes.Status200OK, e.Message);
        }
        else
        {
            logger.Unhandled(e, context.Request.Method, context.Request.Path);
        }

        var report = e.GetFallbackReport();
        await sse.WriteAsync(w =>
        {
            w.WriteStartObject();
            OpenAIError.WriteErrorObject(w, message, type, null, code, null);
            if (report is not null)
            {
                w.WritePropertyName(ChatCompletionJson.ReportProperty);
                ChatCompletionJson.WriteReport(w, report);
            }

            w.WriteEndObject();
        }, cancellationToken);
    }
}
