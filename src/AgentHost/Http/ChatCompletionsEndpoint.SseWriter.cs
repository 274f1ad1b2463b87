using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace AgentHost.Http;

internal sealed partial class ChatCompletionsEndpoint
{
    /// <summary>Writes SSE events straight to the response pipe, flushing each one.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The JSON writer writes into the response's pipe and holds nothing of its own; the response owns the pipe.")]
    private sealed class SseWriter(HttpContext context, string id, long created, string model)
    {
        private readonly PipeWriter _pipe = context.Response.BodyWriter;
        private Utf8JsonWriter? _json;

        public string Id { get; } = id;

        public long Created { get; } = created;

        public string Model { get; set; } = model;

        /// <summary>Writes an SSE comment line (<c>: text</c>), which clients that read only <c>data:</c> ignore.</summary>
        public async Task WriteCommentAsync(string text, CancellationToken cancellationToken)
        {
            _pipe.Write(": "u8);
            var line = text.ReplaceLineEndings(" ");
            var bytes = System.Text.Encoding.UTF8.GetByteCount(line);
            System.Text.Encoding.UTF8.GetBytes(line, _pipe.GetSpan(bytes));
            _pipe.Advance(bytes);
            _pipe.Write("\n\n"u8);
            await _pipe.FlushAsync(cancellationToken);
        }

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
