using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AgentHost.Bench.Gateway;

/// <summary>
/// An OpenAI-shaped backend that answers every <c>POST /v1/chat/completions</c> with the same canned answer, from
/// bytes prepared at start: no routing, no logging, no per-request serialization, so it is never the bottleneck of
/// the load run. Streaming (<c>"stream": true</c>) sends <c>--chunks</c> SSE chunks, <c>--chunk-delay-ms</c> apart,
/// then <c>[DONE]</c>. <c>GET /v1/models</c> and <c>GET /health</c> answer 200 (the MLX connector's OpenAI probe).
/// </summary>
internal static class CannedBackend
{
    public const string Answer = "The canned answer from the benchmark backend.";
    public const string Model = "canned-model";

    public static async Task<int> RunAsync(CommandLine options)
    {
        var port = options.Int("port", 9101);
        var chunks = Math.Max(1, options.Int("chunks", 8));
        var chunkDelay = TimeSpan.FromMilliseconds(options.Int("chunk-delay-ms", 0));
        var replies = new Replies(chunks);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 1024 * 1024;
        });
        await using var app = builder.Build();
        app.Run(context => HandleAsync(context, replies, chunkDelay));
        await app.StartAsync();
        Console.WriteLine($"canned backend listening on http://127.0.0.1:{port} (stream: {chunks} chunks, {chunkDelay.TotalMilliseconds} ms apart)");
        await app.WaitForShutdownAsync(); // Ctrl+C or SIGTERM
        return 0;
    }

    private static async Task HandleAsync(HttpContext context, Replies replies, TimeSpan chunkDelay)
    {
        var request = context.Request;
        var response = context.Response;
        if (HttpMethods.IsPost(request.Method) && request.Path.Value is "/v1/chat/completions" or "/chat/completions")
        {
            var stream = await ReadsStreamFlagAsync(request.BodyReader, context.RequestAborted);
            if (!stream)
            {
                response.StatusCode = 200;
                response.ContentType = "application/json";
                response.ContentLength = replies.Completion.Length;
                await response.Body.WriteAsync(replies.Completion, context.RequestAborted);
                return;
            }

            response.StatusCode = 200;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            for (var i = 0; i < replies.Chunks.Length; i++)
            {
                if (i > 0 && chunkDelay > TimeSpan.Zero)
                {
                    await Task.Delay(chunkDelay, context.RequestAborted);
                }

                await response.Body.WriteAsync(replies.Chunks[i], context.RequestAborted);
                await response.Body.FlushAsync(context.RequestAborted);
            }

            return;
        }

        if (HttpMethods.IsGet(request.Method) && request.Path.Value is "/v1/models" or "/models" or "/health" or "/")
        {
            response.StatusCode = 200;
            response.ContentType = "application/json";
            await response.Body.WriteAsync(replies.Models, context.RequestAborted);
            return;
        }

        response.StatusCode = 404;
        response.ContentType = "application/json";
        await response.Body.WriteAsync("{\"error\":{\"message\":\"not found\"}}"u8.ToArray(), context.RequestAborted);
    }

    /// <summary>Reads the whole body and says whether its top-level <c>stream</c> is <c>true</c>.</summary>
    private static async Task<bool> ReadsStreamFlagAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            if (!read.IsCompleted)
            {
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                continue;
            }

            var stream = StreamFlag(read.Buffer);
            reader.AdvanceTo(read.Buffer.End);
            return stream;
        }
    }

    private static bool StreamFlag(ReadOnlySequence<byte> body)
    {
        var json = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            while (json.Read())
            {
                if (json.TokenType == JsonTokenType.PropertyName && json.CurrentDepth == 1 && json.ValueTextEquals("stream"u8))
                {
                    json.Read();
                    return json.TokenType == JsonTokenType.True;
                }

                if (json.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && json.CurrentDepth >= 1)
                {
                    json.Skip();
                }
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }

    /// <summary>The reply bytes, built once.</summary>
    private sealed class Replies
    {
        public Replies(int chunks)
        {
            const string id = "chatcmpl-canned";
            Completion = Encoding.UTF8.GetBytes(
                $$$"""{"id":"{{{id}}}","object":"chat.completion","created":1735689600,"model":"{{{Model}}}","choices":[{"index":0,"message":{"role":"assistant","content":"{{{Answer}}}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":8,"total_tokens":20}}""");
            var words = Split(Answer, chunks);
            var events = new List<byte[]>();
            for (var i = 0; i < words.Count; i++)
            {
                var role = i == 0 ? "\"role\":\"assistant\"," : "";
                var delta = "{" + role + "\"content\":" + JsonSerializer.Serialize(words[i]) + "}";
                events.Add(Event($$$"""{"id":"{{{id}}}","object":"chat.completion.chunk","created":1735689600,"model":"{{{Model}}}","choices":[{"index":0,"delta":{{{delta}}},"finish_reason":null}]}"""));
            }

            events.Add(Event($$$"""{"id":"{{{id}}}","object":"chat.completion.chunk","created":1735689600,"model":"{{{Model}}}","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"""));
            events[^1] = [.. events[^1], .. "data: [DONE]\n\n"u8.ToArray()];
            Chunks = [.. events];
            Models = Encoding.UTF8.GetBytes($$$"""{"object":"list","data":[{"id":"{{{Model}}}","object":"model","created":1735689600,"owned_by":"bench"}]}""");
        }

        public byte[] Completion { get; }

        /// <summary>Content chunks, then the finish chunk with <c>[DONE]</c> in the same write.</summary>
        public byte[][] Chunks { get; }

        public byte[] Models { get; }

        private static byte[] Event(string json) => Encoding.UTF8.GetBytes("data: " + json + "\n\n");

        /// <summary>Splits the answer into <paramref name="parts"/> pieces (at most one per character), keeping every character.</summary>
        private static List<string> Split(string text, int parts)
        {
            parts = Math.Min(parts, text.Length);
            var result = new List<string>(parts);
            for (var i = 0; i < parts; i++)
            {
                var start = text.Length * i / parts;
                var end = text.Length * (i + 1) / parts;
                result.Add(text[start..end]);
            }

            return result;
        }
    }
}
