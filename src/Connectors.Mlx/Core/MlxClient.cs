using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using AgentHost.Backends;
using Microsoft.Extensions.Logging;

namespace AgentHost.Connectors.Mlx.Core;

/// <summary>
/// The HTTP side of the connector: sends one call in the configured protocol and reads the reply, reporting every way
/// a reply can be unusable as a typed exception. No retries, no fallback: those belong to the layers above.
/// </summary>
/// <remarks><paramref name="currentOptions"/> is read once per call, so a reloaded endpoint or protocol is used by the next call.</remarks>
internal sealed class MlxClient(HttpClient http, Func<MlxOptions> currentOptions, string backend, ILogger logger, TimeProvider timeProvider)
{
    public string Backend => backend;

    /// <summary>Asks for a whole answer.</summary>
    public async Task<MlxReply> CompleteAsync(MlxCall call, CancellationToken cancellationToken)
    {
        using var request = MlxRequestBuilder.Build(currentOptions(), call, stream: false);
        MlxLog.Sending(logger, backend, request.RequestUri!.AbsolutePath, call.Model, false);
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        MlxReply reply;
        try
        {
            using var doc = JsonDocument.Parse(body);
            reply = MlxReply.Parse(doc.RootElement);
        }
        catch (JsonException e)
        {
            MlxLog.Malformed(logger, backend, e.Message);
            throw new BackendResponseException(backend, BackendResponseProblem.Malformed, $"The reply is not the expected JSON: {Snippet(body)}", innerException: e);
        }

        if (reply.Error is not null)
        {
            throw new BackendResponseException(backend, BackendResponseProblem.InBandError, $"The server reported an error: {reply.Error}");
        }

        if (reply.Text is null)
        {
            throw new BackendResponseException(backend, BackendResponseProblem.Malformed, $"The reply has no answer field (response, text, message.content or choices): {Snippet(body)}");
        }

        return reply;
    }

    /// <summary>
    /// Streams an answer: NDJSON lines (<c>/api/generate</c>, <c>/api/chat</c>) or SSE <c>data:</c> events (OpenAI),
    /// whatever the Content-Type says. Ends normally only at the protocol's end marker.
    /// </summary>
    public async IAsyncEnumerable<MlxReply> StreamAsync(MlxCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = MlxRequestBuilder.Build(currentOptions(), call, stream: true);
        MlxLog.Sending(logger, backend, request.RequestUri!.AbsolutePath, call.Model, true);
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var received = new StringBuilder();
        var finished = false;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } raw)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith(':') || line.StartsWith("event:", StringComparison.Ordinal) || line.StartsWith("id:", StringComparison.Ordinal))
            {
                continue;
            }

            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                line = line[5..].Trim();
                if (line == "[DONE]")
                {
                    finished = true;
                    break;
                }
            }

            MlxReply reply;
            try
            {
                using var doc = JsonDocument.Parse(line);
                reply = MlxReply.Parse(doc.RootElement);
            }
            catch (JsonException e)
            {
                MlxLog.Malformed(logger, backend, e.Message);
                throw new BackendResponseException(backend, BackendResponseProblem.Malformed, $"A streamed line is not the expected JSON: {Snippet(line)}", received.ToString(), e);
            }

            if (reply.Error is not null)
            {
                throw new BackendResponseException(backend, BackendResponseProblem.InBandError, $"The server reported an error while streaming: {reply.Error}", received.ToString());
            }

            received.Append(reply.Text);
            finished |= reply.Finished;
            yield return reply;
            if (reply.Done)
            {
                break;
            }
        }

        if (!finished)
        {
            MlxLog.Truncated(logger, backend, received.Length);
            throw new BackendResponseException(
                backend, BackendResponseProblem.Truncated, $"The stream ended without its end marker after {received.Length} characters.", received.ToString());
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var error = await BackendHttpOperationException.FromResponseAsync(backend, response, timeProvider, cancellationToken).ConfigureAwait(false);
            MlxLog.HttpError(logger, backend, (int)response.StatusCode, error.ServerError);
            throw error;
        }
    }

    private static string Snippet(string text) => text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), "…");
}
