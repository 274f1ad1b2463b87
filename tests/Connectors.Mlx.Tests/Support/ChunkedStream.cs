namespace AgentHost.Connectors.Mlx.Tests.Support;

/// <summary>
/// A response body that hands out its bytes in the pieces a scripted server would send them: each read returns at most
/// the next piece (<see cref="LineByLine"/>: one line; <see cref="Fixed"/>: a fixed number of bytes), never more.
/// </summary>
internal sealed class ChunkedStream(byte[] body, Func<ReadOnlyMemory<byte>, int> nextPiece) : Stream
{
    private int _position;

    /// <summary>One line (with its newline) per read, as a server that writes and flushes each line before the next is due.</summary>
    public static int LineByLine(ReadOnlyMemory<byte> rest) => rest.Span.IndexOf((byte)'\n') is var i and >= 0 ? i + 1 : rest.Length;

    /// <summary>At most <paramref name="size"/> bytes per read, cutting through lines and UTF-8 sequences.</summary>
    public static Func<ReadOnlyMemory<byte>, int> Fixed(int size) => rest => Math.Min(size, rest.Length);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => body.Length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var rest = body.AsMemory(_position);
        var length = Math.Min(buffer.Length, nextPiece(rest));
        rest.Span[..length].CopyTo(buffer);
        _position += length;
        return length;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
