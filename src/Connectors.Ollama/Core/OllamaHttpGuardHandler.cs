using AgentHost.Backends;
using Microsoft.Extensions.Logging;

namespace AgentHost.Connectors.Ollama;

/// <summary>
/// Sits on the Ollama <see cref="HttpClient"/> below OllamaSharp and makes every failure look the same as in the other
/// connectors: a non-success status becomes <see cref="BackendHttpOperationException"/> (with Ollama's
/// <c>{"error": "..."}</c> text and <c>Retry-After</c>), and generation bodies are read through
/// <see cref="OllamaNdjsonGuardStream"/> (in-band error lines, malformed and truncated replies).
/// </summary>
internal sealed class OllamaHttpGuardHandler : DelegatingHandler
{
    private readonly string _backend;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public OllamaHttpGuardHandler(string backend, TimeProvider timeProvider, ILogger logger)
    {
        _backend = backend;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var caller = OllamaCallContext.CallerToken;
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await ToExceptionAsync(request, response, cancellationToken).ConfigureAwait(false);
            }
        }

        if (request.Method == HttpMethod.Post && IsGeneration(request.RequestUri))
        {
            var original = response.Content;
            var body = await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var guarded = new StreamContent(new OllamaNdjsonGuardStream(body, _backend, caller));
            foreach (var header in original.Headers)
            {
                if (!string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    guarded.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }

            response.Content = guarded;
        }

        return response;
    }

    private async Task<BackendHttpOperationException> ToExceptionAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var error = await BackendHttpOperationException.FromResponseAsync(_backend, response, _timeProvider, cancellationToken).ConfigureAwait(false);
        OllamaLog.HttpError(_logger, _backend, request.Method.Method, request.RequestUri?.AbsolutePath ?? "?", (int)response.StatusCode, error.ServerError ?? string.Empty);
        return error;
    }

    private static bool IsGeneration(Uri? uri)
    {
        var path = uri is null ? string.Empty : uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString;
        return path.EndsWith("api/chat", StringComparison.Ordinal) || path.EndsWith("api/generate", StringComparison.Ordinal);
    }
}

/// <summary>Carries the caller's cancellation token from the chat client down to the body reads of its request.</summary>
internal static class OllamaCallContext
{
    private static readonly AsyncLocal<CancellationToken> Caller = new();

    public static CancellationToken CallerToken
    {
        get => Caller.Value;
        set => Caller.Value = value;
    }
}
