using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using AgentHost.Backends;
using Microsoft.Extensions.AI;

namespace AgentHost.Connectors.Victoria.Core;

/// <summary>
/// Reads <c>POST /stream</c>: SSE <c>data:</c> events of JSON with a <c>type</c>. <c>chunk</c> is answer text;
/// <c>step</c> and <c>progress</c> become updates without contents (<see cref="VictoriaMetadataKeys.StreamEvent"/> and
/// <see cref="VictoriaMetadataKeys.StreamEventData"/> in their <c>AdditionalProperties</c>); <c>start</c> is skipped;
/// <c>error</c> fails (a cut when text was already streamed); a stream must finish with <c>end</c>.
/// </summary>
internal static class VictoriaStreamReader
{
    /// <summary>Reads the stream; <paramref name="newUpdate"/> makes each update (role, ids, model, time) before its contents are set.</summary>
    public static async IAsyncEnumerable<ChatResponseUpdate> ReadAsync(
        HttpResponseMessage response, string backend, Func<ChatResponseUpdate> newUpdate, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var streamed = new StringBuilder();
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var data = new StringBuilder();
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
            {
                throw Cut(backend, streamed, "the connection dropped mid-stream", e);
            }

            if (line is null)
            {
                throw Cut(backend, streamed, "the stream ended without its 'end' event", null);
            }

            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(line.AsSpan(line.Length > 5 && line[5] == ' ' ? 6 : 5));
                continue;
            }

            if (line.Length != 0 || data.Length == 0)
            {
                continue; // comments, other SSE fields, keep-alive blank lines
            }

            var json = data.ToString();
            data.Clear();
            var update = Dispatch(json, backend, newUpdate, streamed, out var ended);
            if (ended)
            {
                if (streamed.Length == 0)
                {
                    throw new BackendResponseException(backend, BackendResponseProblem.Empty, "the stream ended without any answer text.");
                }

                yield break;
            }

            if (update is not null)
            {
                yield return update;
            }
        }
    }

    private static ChatResponseUpdate? Dispatch(string json, string backend, Func<ChatResponseUpdate> newUpdate, StringBuilder streamed, out bool ended)
    {
        ended = false;
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(json);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new BackendResponseException(backend, BackendResponseProblem.Malformed, $"an SSE event is not JSON: {VictoriaReplyReader.Preview(json)}", streamed.Length == 0 ? null : streamed.ToString(), e);
        }

        var type = VictoriaReplyReader.String(root, "type");
        switch (type)
        {
            case "chunk":
                var text = VictoriaReplyReader.String(root, "content");
                if (string.IsNullOrEmpty(text))
                {
                    return null;
                }

                streamed.Append(text);
                var chunk = newUpdate();
                chunk.Contents.Add(new TextContent(text));
                chunk.RawRepresentation = root;
                return chunk;
            case "step" or "progress":
                var progress = newUpdate();
                progress.RawRepresentation = root;
                progress.AdditionalProperties = new()
                {
                    [VictoriaMetadataKeys.StreamEvent] = type,
                    [VictoriaMetadataKeys.StreamEventData] = root.GetRawText(),
                };
                return progress;
            case "error":
                var error = VictoriaReplyReader.String(root, "content") ?? VictoriaReplyReader.String(root, "message") ?? "no error text";
                if (streamed.Length > 0)
                {
                    throw new BackendResponseException(backend, BackendResponseProblem.Truncated, $"the stream failed after {streamed.Length} chars: {error}", streamed.ToString());
                }

                throw new BackendResponseException(backend, BackendResponseProblem.InBandError, $"Victoria reported an error: {error}");
            case "end":
                ended = true;
                return null;
            default:
                return null; // "start" and anything newer builds add
        }
    }

    private static BackendResponseException Cut(string backend, StringBuilder streamed, string what, Exception? inner) =>
        new(backend, BackendResponseProblem.Truncated, $"{what} after {streamed.Length} chars of answer.", streamed.ToString(), inner);
}
