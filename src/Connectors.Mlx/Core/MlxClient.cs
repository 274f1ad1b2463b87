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
/// <remarks>Each call is given the options in force for it, so a reloaded endpoint or protocol is used by the next call.</remarks>
internal sealed class MlxClient(HttpClient http, string backend, ILogger logger, TimeProvider timeProvider)
{
    public string Backend => backend;

    /// <summary>Asks for a whole answer.</summary>
    public async Task<MlxReply> CompleteAsync(MlxCall call, MlxOptions options, CancellationToken cancellationToken)
    {
        using var request = MlxRequestBuilder.Build(options, call, stream: false);
        MlxLog.Sending(logger, backend, request.RequestUri!.AbsolutePath, call.Model, false);
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (TryParse(body, out var notJson) is not { } reply)
        {
            throw new BackendResponseException(backend, BackendResponseProblem.Malformed, $"The reply is not the expected JSON: {Snippet(body)}", innerException: notJson);
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
    /// <remarks>
    /// The MLX API Server streams its finished answer at once, one character per line, so with <see cref="MlxProtocol.Generate"/>
    /// and <see cref="MlxProtocol.Chat"/> the lines one read delivered are yielded as one reply (a 20,000-character burst
    /// becomes a few replies; a paced stream still gives one per line). Nothing waits for more bytes to fill a reply.
    /// OpenAI events, which <c>mlx_lm.server</c> sends as they are generated, are yielded one by one.
    /// </remarks>
    public async IAsyncEnumerable<MlxReply> StreamAsync(MlxCall call, MlxOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = MlxRequestBuilder.Build(options, call, stream: true);
        MlxLog.Sending(logger, backend, request.RequestUri!.AbsolutePath, call.Model, true);
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var reader = new MlxLineReader(stream);
        var coalesce = options.Protocol != MlxProtocol.OpenAI;
        var received = new StringBuilder();
        var finished = false;
        var ended = false;
        while (!ended && await reader.ReadLinesAsync(cancellationToken).ConfigureAwait(false) is { } lines)
        {
            MlxReply? pending = null;
            BackendResponseException? failure = null;
            foreach (var raw in lines)
            {
                var line = raw.Trim().TrimStart('\uFEFF');
                if (line.Length == 0 || line.StartsWith(':') || line.StartsWith("event:", StringComparison.Ordinal) || line.StartsWith("id:", StringComparison.Ordinal))
                {
                    continue;
                }

                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    line = line[5..].Trim();
                    if (line == "[DONE]")
                    {
                        finished = ended = true;
                        break;
                    }
                }

                var reply = Parse(line, received, out failure);
                if (failure is not null)
                {
                    break;
                }

                received.Append(reply!.Text);
                finished |= reply.Finished;
                ended = reply.Done;
                if (coalesce)
                {
                    pending = pending is null ? reply : pending.Then(reply);
                }
                else
                {
                    yield return reply;
                }

                if (ended)
                {
                    break;
                }
            }

            // What arrived before a failing line was received: it reaches the caller before the failure does.
            if (pending is not null)
            {
                yield return pending;
            }

            if (failure is not null)
            {
                throw failure;
            }
        }

        if (!finished)
        {
            MlxLog.Truncated(logger, backend, received.Length);
            throw new BackendResponseException(
                backend, BackendResponseProblem.Truncated, $"The stream ended without its end marker after {received.Length} characters.", received.ToString());
        }
    }

    /// <summary>One streamed line as a reply, or the failure it reports (not JSON, or an in-band error) with the text received so far.</summary>
    private MlxReply? Parse(string line, StringBuilder received, out BackendResponseException? failure)
    {
        failure = null;
        if (TryParse(line, out var notJson) is not { } reply)
        {
            failure = new BackendResponseException(backend, BackendResponseProblem.Malformed, $"A streamed line is not the expected JSON: {Snippet(line)}", received.ToString(), notJson);
            return null;
        }

        if (reply.Error is not null)
        {
            failure = new BackendResponseException(backend, BackendResponseProblem.InBandError, $"The server reported an error while streaming: {reply.Error}", received.ToString());
            return null;
        }

        return reply;
    }

    /// <summary>A reply or streamed line read as JSON, or <see langword="null"/> with the parser's error (logged) when it is not JSON.</summary>
    private MlxReply? TryParse(string json, out JsonException? error)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            error = null;
            return MlxReply.Parse(doc.RootElement);
        }
        catch (JsonException e)
        {
            MlxLog.Malformed(logger, backend, e.Message);
            error = e;
            return null;
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
