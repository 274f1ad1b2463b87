using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace AgentHost.Backends.Tests;

/// <summary>A non-success response becomes one exception the chain can classify: status, the server's words, Retry-After.</summary>
public sealed class BackendHttpOperationExceptionTests
{
    private static HttpResponseMessage Response(HttpStatusCode status, string body, string contentType = "application/json") =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, contentType) };

    [Fact]
    public async Task Response_becomes_status_server_text_and_retry_after()
    {
        using var response = Response(HttpStatusCode.TooManyRequests, """{"error":"Rate limit exceeded. Max 500 requests per 90 seconds"}""");
        response.Headers.Add("Retry-After", "30");

        var e = await BackendHttpOperationException.FromResponseAsync("Mlx", response);

        Assert.Equal("Mlx", e.Backend);
        Assert.Equal(HttpStatusCode.TooManyRequests, e.StatusCode);
        Assert.Equal("Rate limit exceeded. Max 500 requests per 90 seconds", e.ServerError);
        Assert.Equal(TimeSpan.FromSeconds(30), e.RetryAfter);
        Assert.Equal("""{"error":"Rate limit exceeded. Max 500 requests per 90 seconds"}""", e.ResponseContent);
        Assert.Equal("Mlx answered 429: Rate limit exceeded. Max 500 requests per 90 seconds", e.Message);
    }

    [Fact]
    public async Task Retry_after_date_is_read_against_the_given_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero));
        using var response = Response(HttpStatusCode.ServiceUnavailable, """{"detail":"loading"}""");
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(clock.GetUtcNow().AddSeconds(12));

        var e = await BackendHttpOperationException.FromResponseAsync("Victoria", response, clock);

        Assert.Equal(TimeSpan.FromSeconds(12), e.RetryAfter);
        Assert.Equal("Victoria answered 503: loading", e.Message);
    }

    [Fact]
    public async Task Empty_body_leaves_the_status_to_speak()
    {
        using var response = Response(HttpStatusCode.BadGateway, "");

        var e = await BackendHttpOperationException.FromResponseAsync("Ollama", response);

        Assert.Null(e.ServerError);
        Assert.Null(e.RetryAfter);
        Assert.Equal("Ollama answered 502 BadGateway.", e.Message);
    }

    [Fact]
    public async Task Body_cut_while_read_still_gives_the_status()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StreamContent(new CutStream()) };

        var e = await BackendHttpOperationException.FromResponseAsync("Ollama", response);

        Assert.Equal(HttpStatusCode.InternalServerError, e.StatusCode);
        Assert.Null(e.ServerError);
        Assert.Null(e.ResponseContent);
    }

    [Fact]
    public async Task Cancellation_while_reading_the_body_is_not_swallowed()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StreamContent(new HangingStream()) };
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => BackendHttpOperationException.FromResponseAsync("Mlx", response, cancellationToken: cancelled.Token));
    }

    [Fact]
    public void Long_body_is_parsed_whole_and_kept_cut()
    {
        var detail = new string('d', 10);
        var body = $$"""{"detail":"{{detail}}","padding":"{{new string('p', BackendHttpOperationException.MaxResponseContentLength)}}"}""";
        using var response = Response(HttpStatusCode.InternalServerError, body);

        var e = BackendHttpOperationException.FromResponse("Victoria", response, body);

        Assert.Equal(detail, e.ServerError);
        Assert.Equal(body[..BackendHttpOperationException.MaxResponseContentLength], e.ResponseContent);
    }

    /// <summary>A body whose connection drops on the first read.</summary>
    private sealed class CutStream : BodyStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<int>(new IOException("The response ended prematurely."));
    }

    /// <summary>A body that never sends a byte until the read is cancelled.</summary>
    private sealed class HangingStream : BodyStream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }

    private abstract class BodyStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
