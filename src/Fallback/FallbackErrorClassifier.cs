using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentHost.Backends;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace AgentHost.Fallback;

/// <summary>How the chain treats a failure (DESIGN §2 "errors are classified").</summary>
public enum FallbackErrorClass
{
    /// <summary>The backend failed (unreachable, timed out, 5xx, 429, 401/403/404, a cut, malformed, in-band or empty reply): try the next backend.</summary>
    Transient,

    /// <summary>The request itself is wrong (400, invalid arguments): surface at once, no failover.</summary>
    CallerError,

    /// <summary>The request is too long for this backend's context: try the next backend with a larger declared context window.</summary>
    ContextLength,

    /// <summary>The caller cancelled: surface at once.</summary>
    Cancelled,
}

/// <summary>Classifies backend failures and describes them in one line.</summary>
public static partial class FallbackErrorClassifier
{
    /// <summary>Classifies <paramref name="exception"/>, thrown while serving a call made with <paramref name="callerToken"/>.</summary>
    public static FallbackErrorClass Classify(Exception exception, CancellationToken callerToken)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is OperationCanceledException && callerToken.IsCancellationRequested)
        {
            return FallbackErrorClass.Cancelled;
        }

        if (exception is ArgumentException)
        {
            return FallbackErrorClass.CallerError;
        }

        return StatusOf(exception) switch
        {
            HttpStatusCode.RequestEntityTooLarge => FallbackErrorClass.ContextLength,
            HttpStatusCode.BadRequest => ContextTooLong().IsMatch(ServerText(exception)) ? FallbackErrorClass.ContextLength : FallbackErrorClass.CallerError,
            _ => FallbackErrorClass.Transient,
        };
    }

    /// <summary>
    /// Whether a transient failure is worth retrying on the same backend: 408, 429, 502, 503, 504 and connections
    /// dropped mid-request. Refused connections, timeouts and bad replies are not (the next backend is the better bet).
    /// </summary>
    public static bool IsRetryable(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (StatusOf(exception) is { } status)
        {
            return status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway
                or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
        }

        return exception is HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded }
            || (exception is IOException && exception is not FileNotFoundException);
    }

    /// <summary>Whether <paramref name="exception"/> is a timeout (an attempt, first-token or HTTP timeout), not the caller's cancellation.</summary>
    public static bool IsTimeout(Exception exception, CancellationToken callerToken)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception is TimeoutRejectedException or TimeoutException
            || (exception is OperationCanceledException && !callerToken.IsCancellationRequested)
            || exception.InnerException is TimeoutException;
    }

    /// <summary>Whether the backend said it does not have the model asked for (a 404 naming a model, as Ollama answers).</summary>
    public static bool IsModelNotFound(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return StatusOf(exception) == HttpStatusCode.NotFound && ServerText(exception).Contains("model", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether the backend refused the connection (nothing listens there: the whole backend is down, not one model).</summary>
    public static bool IsConnectionRefused(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception is HttpRequestException h && IsRefused(h);
    }

    /// <summary>The wait the server asked for (<c>Retry-After</c>), when it did.</summary>
    public static TimeSpan? RetryAfterOf(Exception exception) => (exception as BackendHttpOperationException)?.RetryAfter;

    /// <summary>Describes a failure in one short line without the backend's name, e.g. <c>503 model loading</c>.</summary>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var text = exception switch
        {
            BackendHttpOperationException h => string.IsNullOrWhiteSpace(h.ServerError) ? $"{(int)h.StatusCode!} {h.StatusCode}" : $"{(int)h.StatusCode!} {h.ServerError}",
            HttpRequestException { StatusCode: { } s } => $"{(int)s} {s}",
            HttpRequestException h when IsRefused(h) => "connection refused",
            HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => "connection closed before the reply ended",
            HttpRequestException h => $"connection failed: {h.Message}",
            BrokenCircuitException => "circuit open",
            TimeoutRejectedException t => $"timed out after {Format(t.Timeout)}",
            TimeoutException t => t.Message,
            TaskCanceledException or OperationCanceledException => "timed out",
            BackendResponseException b => StripBackend(b.Message, b.Backend),
            JsonException j => $"malformed reply ({j.Message})",
            IOException io => $"connection error: {io.Message}",
            _ => $"{exception.GetType().Name}: {exception.Message}",
        };
        text = text.ReplaceLineEndings(" ").Trim();
        return text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 197), "...");
    }

    /// <summary>Formats a duration for people: <c>250 ms</c>, <c>30 s</c>, <c>2 min</c>.</summary>
    internal static string Format(TimeSpan t) =>
        t < TimeSpan.FromSeconds(1) ? $"{t.TotalMilliseconds:0} ms" : t < TimeSpan.FromMinutes(2) ? $"{t.TotalSeconds:0.#} s" : $"{t.TotalMinutes:0.#} min";

    private static HttpStatusCode? StatusOf(Exception exception) => exception switch
    {
        HttpRequestException { StatusCode: { } s } => s,
        _ => null,
    };

    private static string ServerText(Exception exception) => exception switch
    {
        BackendHttpOperationException h => $"{h.ServerError} {h.ResponseContent}",
        HttpRequestException h => h.Message,
        _ => exception.Message,
    };

    private static bool IsRefused(HttpRequestException exception) =>
        exception.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused }
        || (exception.HttpRequestError == HttpRequestError.ConnectionError && exception.Message.Contains("refused", StringComparison.OrdinalIgnoreCase));

    private static string StripBackend(string message, string backend) =>
        message.StartsWith(backend + ": ", StringComparison.Ordinal) ? message[(backend.Length + 2)..] : message;

    [GeneratedRegex(@"context|too long|too many tokens|maximum (number of )?tokens|token limit|exceeds? the (model'?s )?(max|limit)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ContextTooLong();
}
