using AgentHost.Fallback;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace AgentHost.Http;

/// <summary>How a failed chain call reads over HTTP, the same for OpenAI's and Ollama's API (each writes its own shape).</summary>
internal static class ChainFailure
{
    /// <summary>Whether a backend (or the chain) refused the request itself (400/422, a bad argument): the caller's error, a 400.</summary>
    public static bool IsRejection(Exception e) => e is
        HttpRequestException { StatusCode: System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.UnprocessableEntity }
        or HttpOperationException { StatusCode: System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.UnprocessableEntity }
        or ArgumentException;

    /// <summary>The message of a <see cref="IsRejection"/> failure, naming the backend that refused when known.</summary>
    public static string RejectionMessage(Exception e) =>
        e.GetFallbackReport()?.Attempts is [.., var last] ? $"{last.Backend} rejected the request: {e.Message}" : $"The request was rejected: {e.Message}";

    /// <summary>Every backend failed: 502; none could even be tried (all skipped or deferred and refused): 503.</summary>
    public static int ExhaustedStatus(FallbackExhaustedException e) =>
        e.Report.Attempts.All(a => a.Outcome is FallbackAttemptOutcome.Skipped or FallbackAttemptOutcome.Deferred)
            ? StatusCodes.Status503ServiceUnavailable
            : StatusCodes.Status502BadGateway;
}
