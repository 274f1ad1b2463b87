using System.Text;

namespace AgentHost.Connectors.Mlx.Core;

/// <summary>
/// Reads a response body as lines, handing back every complete line that one read of the stream delivered, so a
/// caller can treat lines that arrived together as one piece without ever waiting for more bytes.
/// </summary>
/// <remarks>
/// It reads the <see cref="Stream"/> itself (a <see cref="StreamReader"/> may read again to fill its buffer, which
/// waits for bytes the server has not sent yet). UTF-8 sequences split between reads are decoded whole. Not thread-safe.
/// </remarks>
internal sealed class MlxLineReader(Stream stream)
{
    private const int BufferSize = 16 * 1024;

    private readonly byte[] _bytes = new byte[BufferSize];
    private readonly char[] _chars = new char[Encoding.UTF8.GetMaxCharCount(BufferSize)];
    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetDecoder();
    private readonly StringBuilder _partial = new();
    private bool _ended;

    /// <summary>
    /// The complete lines (without their line break) of the next read that delivered at least one line break; at the end
    /// of the body the unterminated rest as a last line, then null.
    /// </summary>
    public async Task<IReadOnlyList<string>?> ReadLinesAsync(CancellationToken cancellationToken)
    {
        while (!_ended)
        {
            var read = await stream.ReadAsync(_bytes, cancellationToken).ConfigureAwait(false);
            _ended = read == 0;
            var count = _decoder.GetChars(_bytes, 0, read, _chars, 0, flush: _ended);
            var lines = new List<string>();
            var start = 0;
            for (var i = 0; i < count; i++)
            {
                if (_chars[i] == '\n')
                {
                    lines.Add(Take(_chars.AsSpan(start, i - start)));
                    start = i + 1;
                }
            }

            _partial.Append(_chars, start, count - start);
            if (_ended && _partial.Length > 0)
            {
                lines.Add(Take([]));
            }

            if (lines.Count > 0)
            {
                return lines;
            }
        }

        return null;
    }

    private string Take(ReadOnlySpan<char> end)
    {
        var line = _partial.Append(end).ToString().TrimEnd('\r');
        _partial.Clear();
        return line;
    }
}
