using System.Text;
using System.Text.Json;
using AgentHost.Backends;

namespace AgentHost.Connectors.Ollama;

/// <summary>
/// Reads an Ollama NDJSON body (<c>/api/chat</c>, <c>/api/generate</c>; one object when not streaming) and hands on
/// only whole lines it has checked, so OllamaSharp never sees a broken reply as an answer:
/// an <c>{"error": "..."}</c> line becomes <see cref="BackendResponseProblem.InBandError"/>, a line that is not a
/// JSON object of the protocol becomes <see cref="BackendResponseProblem.Malformed"/>, and a body that ends (or is
/// cut) before <c>done: true</c> becomes <see cref="BackendResponseProblem.Truncated"/>. Reads also end when the
/// caller's token is cancelled.
/// </summary>
internal sealed class OllamaNdjsonGuardStream : Stream
{
    private const int MaxErrorChars = 500;
    private readonly Stream _inner;
    private readonly string _backend;
    private readonly CancellationToken _caller;
    private readonly byte[] _readBuffer = new byte[8192];
    private readonly MemoryStream _pending = new();
    private readonly StringBuilder _text = new();
    private byte[] _ready = [];
    private int _readyOffset;
    private bool _done;
    private bool _eof;
    private BackendResponseException? _deferred;

    public OllamaNdjsonGuardStream(Stream inner, string backend, CancellationToken caller)
    {
        _inner = inner;
        _backend = backend;
        _caller = caller;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_readyOffset >= _ready.Length)
        {
            if (_eof)
            {
                return 0;
            }

            await FillAsync(cancellationToken).ConfigureAwait(false);
        }

        var n = Math.Min(buffer.Length, _ready.Length - _readyOffset);
        _ready.AsMemory(_readyOffset, n).CopyTo(buffer);
        _readyOffset += n;
        return n;
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_deferred is { } problem)
        {
            _eof = true;
            throw problem;
        }

        int read;
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _caller))
        {
            try
            {
                read = await _inner.ReadAsync(_readBuffer, linked.Token).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw Problem(BackendResponseProblem.Truncated, $"the connection broke before the reply was complete ({ex.Message})", ex);
            }
        }

        if (read == 0)
        {
            _eof = true;
            var rest = _pending.ToArray();
            _pending.SetLength(0);
            Check(rest);
            if (!_done)
            {
                throw Problem(BackendResponseProblem.Truncated, "the reply ended without \"done\": true.");
            }

            _ready = rest;
            _readyOffset = 0;
            return;
        }

        var chunk = _readBuffer.AsSpan(0, read);
        var lastNewLine = chunk.LastIndexOf((byte)'\n');
        if (lastNewLine < 0)
        {
            _pending.Write(chunk);
            return;
        }

        _pending.Write(chunk[..(lastNewLine + 1)]);
        var complete = _pending.ToArray();
        _pending.SetLength(0);
        _pending.Write(chunk[(lastNewLine + 1)..]);

        // Lines before a bad one are handed on first (the caller sees what the server sent before the problem);
        // the problem surfaces on the next read.
        var start = 0;
        for (var i = 0; i < complete.Length; i++)
        {
            if (complete[i] == (byte)'\n')
            {
                try
                {
                    Check(complete.AsSpan(start, i - start));
                }
                catch (BackendResponseException ex)
                {
                    _deferred = ex;
                    break;
                }

                start = i + 1;
            }
        }

        _ready = start == complete.Length ? complete : complete[..start];
        _readyOffset = 0;
    }

    private void Check(ReadOnlySpan<byte> line)
    {
        line = line.Trim("\r\n\t "u8);
        if (line.IsEmpty || _done)
        {
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line.ToArray());
        }
        catch (JsonException ex)
        {
            throw Problem(BackendResponseProblem.Malformed, $"a reply line is not JSON: {Excerpt(Encoding.UTF8.GetString(line))}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Problem(BackendResponseProblem.Malformed, $"a reply line is not a JSON object: {Excerpt(root.GetRawText())}");
            }

            if (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
            {
                var text = error.ValueKind == JsonValueKind.String ? error.GetString() : error.GetRawText();
                throw Problem(BackendResponseProblem.InBandError, $"the server reported an error in its reply: {Excerpt(text ?? string.Empty)}");
            }

            var hasMessage = root.TryGetProperty("message", out var message);
            var hasResponse = root.TryGetProperty("response", out var response);
            var hasDone = root.TryGetProperty("done", out var done);
            if (!hasMessage && !hasResponse && !hasDone)
            {
                throw Problem(BackendResponseProblem.Malformed, $"a reply line has neither \"message\" nor \"done\": {Excerpt(root.GetRawText())}");
            }

            if (hasMessage && message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
            {
                _text.Append(content.GetString());
            }
            else if (hasResponse && response.ValueKind == JsonValueKind.String)
            {
                _text.Append(response.GetString());
            }

            _done = hasDone && done.ValueKind == JsonValueKind.True;
        }
    }

    private BackendResponseException Problem(BackendResponseProblem problem, string message, Exception? inner = null) =>
        new(_backend, problem, message, _text.Length > 0 ? _text.ToString() : null, inner);

    private static string Excerpt(string text) => text.Length <= MaxErrorChars ? text : text[..MaxErrorChars] + "…";

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _pending.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        await _pending.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
