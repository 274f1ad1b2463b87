using System.Net;
using Microsoft.SemanticKernel;

namespace AgentHost.Backends;

/// <summary>
/// A backend answered with a non-success status. Carries the server's own error text and its
/// <c>Retry-After</c>, so the chain can decide between retrying, waiting and moving on.
/// </summary>
public sealed class BackendHttpOperationException : HttpOperationException
{
    /// <summary>Creates the exception.</summary>
    public BackendHttpOperationException(
        string backend, HttpStatusCode statusCode, string? serverError, string? responseContent, TimeSpan? retryAfter, Exception? innerException = null)
        : base(statusCode, responseContent, FormatMessage(backend, statusCode, serverError), innerException)
    {
        Backend = backend;
        ServerError = serverError;
        RetryAfter = retryAfter;
    }

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
