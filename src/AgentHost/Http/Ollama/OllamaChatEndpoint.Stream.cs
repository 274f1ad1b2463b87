using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using AgentHost.Fallback;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.AI;

namespace AgentHost.Http.Ollama;

internal sealed partial class OllamaChatEndpoint
{
    /// <summary>
    /// Streams the answer as NDJSON (<see cref="NdjsonContentType"/>), a line per update with text or tool calls, flushed
    /// as it arrives, then the <c>done: true</c> line with <c>done_reason</c>, the metrics and the report. The status and
    /// headers go out with the first line, once the chain has committed to a backend: a failure before it (every
    /// backend failed while the chain looked) is a plain Ollama-shaped HTTP error, as a real Ollama answers one before it
    /// has written anything (server/routes.go <c>streamResponse</c>). A failure after it is one <c>{"error": "..."}</c>
    /// line naming the backend and what was streamed, and no <c>done</c> line: Ollama's clients raise it as an error.
    /// </summary>
    private async Task StreamAsync(HttpContext context, OllamaShape shape, OllamaRequest request, ConversationRecorder.TurnRecording? recording)
    {
        var cancellationToken = context.RequestAborted;
        var started = time.GetTimestamp();
        await using var updates = chat.GetStreamingResponseAsync(request.Chat.Messages, request.Chat.Options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        ChatResponseUpdate? first = null;
        while (first is null)
        {
            bool any;
            try
            {
                any = await updates.MoveNextAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Nothing written yet: the chain's typed failures and anything else as an HTTP error.
                if (recording is not null)
                {
                    await recording.FinishAsync(Conversations.TurnStatus.Failed, e.Message);
                }

                await WriteFailureAsync(context, e);
                return;
            }

            if (!any)
            {
                break;
            }

            if (updates.Current.GetFallbackProgress() is { } progress)
            {
                // NDJSON has no comment lines: the failover shows in the log, the report and x-agent-backend.
                logger.Progress(progress.Message);
                continue;
            }

            first = updates.Current;
        }

        var firstToken = time.GetElapsedTime(started);
        var report = first?.GetFallbackReport();
        recording?.Answered(report, first?.ModelId);
        var lines = StartNdjson(context, report);
        ChatFinishReason? finish = null;
        UsageDetails? usage = null;
        try
        {
            var update = first;
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
                if (text.Length > 0 || calls.Count > 0)
                {
                    await lines.WriteAsync(w => OllamaJson.Write(w, shape, request.Model, time.GetUtcNow(), text, calls, null, null), cancellationToken);
                    recording?.Add(text);
                }

                update = await updates.MoveNextAsync() ? updates.Current : null;
            }
        }
        catch (FallbackStreamInterruptedException e)
        {
            logger.StreamInterrupted(e.Message);
            if (recording is not null)
            {
                await recording.FinishAsync(Conversations.TurnStatus.Interrupted, e.Message);
            }

            await lines.WriteAsync(w => OllamaJson.WriteError(w, e.Message), cancellationToken);
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A failure while writing the stream itself (a bug, a serializer error): one error line, never a silent end.
            logger.Unhandled(e, context.Request.Method, context.Request.Path);
            if (recording is not null)
            {
                await recording.FinishAsync(Conversations.TurnStatus.Interrupted, $"The stream failed: {e.Message}");
            }

            await lines.WriteAsync(w => OllamaJson.WriteError(w, $"The stream failed: {e.Message}"), cancellationToken);
            return;
        }
        finally
        {
            // What was used, answered or not; an answer from the route's cache used none.
            await RateLimitServiceExtensions.ChargeTokensAsync(context, report is { Cached: true } ? 0 : RateLimitServiceExtensions.TokensOf(usage));
        }

        if (recording is not null)
        {
            await recording.FinishAsync(Conversations.TurnStatus.Complete);
        }

        var done = new OllamaDone(OllamaDone.ReasonOf(finish), time.GetElapsedTime(started), firstToken, usage);
        await lines.WriteAsync(w => OllamaJson.Write(w, shape, request.Model, time.GetUtcNow(), "", [], done, report), cancellationToken);
    }

    /// <summary>Starts the NDJSON response: status 200, the backend and route headers, no buffering.</summary>
    private static NdjsonWriter StartNdjson(HttpContext context, FallbackReport? report)
    {
        SetHeaders(context, report);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = NdjsonContentType;
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        return new NdjsonWriter(context.Response.BodyWriter);
    }

    /// <summary>Writes one JSON object per line straight to the response pipe, flushing each.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The JSON writer writes into the response's pipe and holds nothing of its own; the response owns the pipe.")]
    private sealed class NdjsonWriter(PipeWriter pipe)
    {
        private readonly Utf8JsonWriter _json = new(pipe);

        public async Task WriteAsync(Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
        {
            _json.Reset(pipe);
            write(_json);
            _json.Flush();
            pipe.Write("\n"u8);
            await pipe.FlushAsync(cancellationToken);
        }
    }
}
