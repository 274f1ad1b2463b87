namespace AgentHost.Connectors.Victoria.Tests;

/// <summary>A response body that yields <paramref name="prefix"/> and then fails as a reset connection does.</summary>
internal sealed class FailingStream(byte[] prefix) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_position >= prefix.Length)
        {
            throw new IOException("Unable to read data from the transport connection: Connection reset by peer.");
        }

        var n = Math.Min(count, prefix.Length - _position);
        Array.Copy(prefix, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
