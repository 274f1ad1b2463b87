using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using AgentHost.Fallback;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.AI;

namespace AgentHost.Http;

internal sealed partial class ChatCompletionsEndpoint
{
    /// <summary>
    /// Streams the answer as SSE: one <c>data: {chat.completion.chunk}</c> event per update, flushed as it arrives, then
    /// <c>data: [DONE]</c>. A failure before the first update is a plain HTTP error; after it, an SSE error event naming
    /// the backend, and the stream ends without <c>[DONE]</c>.
    /// </summary>
    private async Task StreamAsync(HttpContext context, ChatCompletionRequest request)
    {
        var cancellationToken = context.RequestAborted;
        await using var updates = chat.GetStreamingResponseAsync(request.Messages, request.Options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        bool any;
        try
        {
            any = await updates.MoveNextAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await WriteFailureAsync(context, e);
            return;
        }

        var first = any ? updates.Current : null;
        var report = first?.GetFallbackReport();
        var sse = new SseWriter(context, NewId(), Now(), report?.Model ?? first?.ModelId ?? _options.ChainModelId);
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
                    toolCalls += calls.Count;
                    isFirst = false;
                }

                update = await updates.MoveNextAsync() ? updates.Current : null;
            }
        }
        catch (FallbackStreamInterruptedException e)
        {
            logger.StreamInterrupted(e.Message);
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
            logger.Unhandled(e, context.Request.Method, context.Request.Path);
            await sse.WriteAsync(w =>
            {
                w.WriteStartObject();
                OpenAIError.WriteErrorObject(w, $"The stream failed: {e.Message}", OpenAIError.ApiError, null, "stream_failed", report?.Backend);
                w.WriteEndObject();
            }, cancellationToken);
            return;
        }

        var reason = ChatCompletionJson.FinishReason(finish, toolCalls > 0);
        await sse.WriteAsync(w => ChatCompletionJson.WriteChunk(w, sse.Id, sse.Created, sse.Model, null, reason, report: report), cancellationToken);
        if (request.IncludeUsage)
        {
            await sse.WriteAsync(w => ChatCompletionJson.WriteChunk(w, sse.Id, sse.Created, sse.Model, null,
                usage: usage ?? new UsageDetails(), usageOnly: true), cancellationToken);
        }

        await sse.WriteDoneAsync(cancellationToken);
    }

    /// <summary>Writes SSE events straight to the response pipe, flushing each one.</summary>
    private sealed class SseWriter(HttpContext context, string id, long created, string model)
    {
        private readonly PipeWriter _pipe = context.Response.BodyWriter;
        private Utf8JsonWriter? _json;

        public string Id { get; } = id;

        public long Created { get; } = created;

        public string Model { get; } = model;

        public async Task WriteAsync(Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
        {
            _pipe.Write("data: "u8);
            if (_json is null)
            {
                _json = new Utf8JsonWriter(_pipe);
            }
            else
            {
                _json.Reset(_pipe);
            }

            write(_json);
            _json.Flush();
            _pipe.Write("\n\n"u8);
            await _pipe.FlushAsync(cancellationToken);
        }

        public async Task WriteDoneAsync(CancellationToken cancellationToken)
        {
            _pipe.Write("data: [DONE]\n\n"u8);
            await _pipe.FlushAsync(cancellationToken);
        }
    }
}
