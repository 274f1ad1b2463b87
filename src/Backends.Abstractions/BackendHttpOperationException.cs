using System.Net;

namespace AgentHost.Backends;

/// <summary>
/// A backend answered with a non-success status. Carries the server's own error text and its
/// <c>Retry-After</c>, so the chain can decide between retrying, waiting and moving on.
/// </summary>
/// <remarks>
/// An <see cref="HttpRequestException"/> with its <see cref="HttpRequestException.StatusCode"/> set, as .NET's own
/// <c>EnsureSuccessStatusCode</c> throws, so code that knows nothing of the backends still reads the status.
/// </remarks>
public sealed class BackendHttpOperationException : HttpRequestException
{
    /// <summary>Creates the exception.</summary>
    public BackendHttpOperationException(
        string backend, HttpStatusCode statusCode, string? serverError, string? responseContent, TimeSpan? retryAfter, Exception? innerException = null)
        : base(FormatMessage(backend, statusCode, serverError), innerException, statusCode)
    {
        Backend = backend;
        ResponseContent = responseContent;
        ServerError = serverError;
        RetryAfter = retryAfter;
    }

    /// <summary>The longest body kept as <see cref="ResponseContent"/>; the rest is cut.</summary>
    public const int MaxResponseContentLength = 4000;

    /// <summary>
    /// Reads a non-success response into the exception: its status, the server's error text
    /// (<see cref="BackendErrorText.FromBody"/>) and its <c>Retry-After</c>. A body cut while it is read leaves the
    /// status alone to tell what happened.
    /// </summary>
    public static async Task<BackendHttpOperationException> FromResponseAsync(
        string backend, HttpResponseMessage response, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        string? body = null;
        try
        {
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            // The status says enough; the body was cut.
        }

        return FromResponse(backend, response, body, timeProvider);
    }

    /// <summary>As <see cref="FromResponseAsync"/>, for a response whose <paramref name="body"/> was already read.</summary>
    public static BackendHttpOperationException FromResponse(string backend, HttpResponseMessage response, string? body, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        return FromBody(backend, response.StatusCode, body, RetryAfterParser.Parse(response.Headers, timeProvider));
    }

    /// <summary>
    /// A failure with <paramref name="statusCode"/> whose reply was <paramref name="body"/>: the server's error text read
    /// from it (<see cref="BackendErrorText.FromBody"/>), the body kept up to <see cref="MaxResponseContentLength"/>.
    /// </summary>
    public static BackendHttpOperationException FromBody(
        string backend, HttpStatusCode statusCode, string? body, TimeSpan? retryAfter = null, Exception? innerException = null)
    {
        var content = body is { Length: > MaxResponseContentLength } ? body[..MaxResponseContentLength] : body;
        return new BackendHttpOperationException(backend, statusCode, BackendErrorText.FromBody(body), content, retryAfter, innerException);
    }

    /// <summary>The body of the reply, cut at <see cref="MaxResponseContentLength"/> characters, if it could be read.</summary>
    public string? ResponseContent { get; }

    /// <summary>The backend that answered.</summary>
    public string Backend { get; }

    /// <summary>The error text the server sent (<c>detail</c>, <c>error</c> or the body), if any.</summary>
    public string? ServerError { get; }

    /// <summary>How long the server asked the client to wait, from <c>Retry-After</c>.</summary>
    public TimeSpan? RetryAfter { get; }

    private static string FormatMessage(string backend, HttpStatusCode statusCode, string? serverError) =>
        string.IsNullOrWhiteSpace(serverError)
            ? $"{backend} answered {(int)statusCode} {statusCode}."
            : $"{backend} answered {(int)statusCode}: {serverError}";
}
