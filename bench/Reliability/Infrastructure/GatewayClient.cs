using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentHost.Bench.Reliability.Infrastructure;

/// <summary>
/// A caller of the host's <c>/v1/chat/completions</c>, as an OpenAI client would be, that classifies how each call
/// ended (<see cref="ChatOutcome"/>) from what arrived on the wire: status, <c>x-agent-backend</c>, body or SSE events.
/// </summary>
internal sealed class GatewayClient(Uri baseAddress, TimeSpan callTimeout) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        MaxConnectionsPerServer = 512,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public HttpClient Http => _http;

    public Uri BaseAddress { get; } = baseAddress;

    /// <summary>One user message, answered plainly or streamed.</summary>
    public Task<ChatOutcome> ChatAsync(string userText, bool stream, CancellationToken cancellationToken) =>
        SendAsync(Body(stream, new JsonArray(new JsonObject { ["role"] = "user", ["content"] = userText })), stream, cancellationToken);

    public static JsonObject Body(bool stream, JsonArray messages, JsonArray? tools = null)
    {
        var body = new JsonObject { ["model"] = "agent-host", ["stream"] = stream, ["messages"] = messages };
        if (tools is not null)
        {
            body["tools"] = tools;
        }

        return body;
    }

    public async Task<ChatOutcome> SendAsync(JsonObject body, bool stream, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(callTimeout);
        var text = new StringBuilder();
        var calls = new List<(string, string)>();
        var attempts = new List<(string, string)>();
        var reported = false;
        void Report(JsonNode? report)
        {
            if (report?["attempts"] is JsonArray list)
            {
                reported = true;
                attempts.Clear();
                attempts.AddRange(list.Select(a => (a?["backend"]?.GetValue<string>() ?? "", a?["outcome"]?.GetValue<string>() ?? "")));
            }
        }

        ChatOutcome Make(OutcomeKind kind, int status, string? backend, string? code, string detail) =>
            new(kind, status, backend, text.ToString(), code, detail, stream, calls, clock.Elapsed, reported ? attempts : null);

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseAddress, "v1/chat/completions"))
            {
                Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
            };
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            var backend = response.Headers.TryGetValues("x-agent-backend", out var b) ? b.FirstOrDefault() : null;
            if (status != 200 || !stream)
            {
                var raw = await response.Content.ReadAsStringAsync(timeout.Token);
                return status == 200 ? Plain(raw, status, backend, text, calls, Report, Make) : ErrorBody(raw, status, Report, Make);
            }

            if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
            {
                return Make(OutcomeKind.Broken, status, backend, null, $"stream answered with content type {response.Content.Headers.ContentType}");
            }

            return await StreamAsync(response, backend, text, calls, Report, Make, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Make(OutcomeKind.Broken, 0, null, null, $"no end within {callTimeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException e)
        {
            return Make(OutcomeKind.Broken, 0, null, null, $"the host itself failed: {e.Message}");
        }
        catch (IOException e)
        {
            return Make(OutcomeKind.Broken, 0, null, null, $"the host cut the connection: {e.Message}");
        }
    }

    private static ChatOutcome Plain(string raw, int status, string? backend, StringBuilder text, List<(string, string)> calls,
        Action<JsonNode?> report, Func<OutcomeKind, int, string?, string?, string, ChatOutcome> make)
    {
        try
        {
            var root = JsonNode.Parse(raw)!.AsObject();
            report(root["agent_host"]);
            var message = root["choices"]![0]!["message"]!;
            text.Append(message["content"]?.GetValue<string>() ?? "");
            foreach (var call in message["tool_calls"]?.AsArray() ?? [])
            {
                calls.Add((call!["id"]!.GetValue<string>(), call["function"]!["name"]!.GetValue<string>()));
            }

            return make(OutcomeKind.Answer, status, backend, null, root["choices"]![0]!["finish_reason"]?.GetValue<string>() ?? "");
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException)
        {
            return make(OutcomeKind.Broken, status, backend, null, $"200 with a body that is not a chat completion: {Cut(raw)}");
        }
    }

    private static ChatOutcome ErrorBody(string raw, int status, Action<JsonNode?> report, Func<OutcomeKind, int, string?, string?, string, ChatOutcome> make)
    {
        try
        {
            var root = JsonNode.Parse(raw);
            report(root?["agent_host"]);
            var error = root?["error"];
            var message = error?["message"]?.GetValue<string>();
            var code = error?["code"]?.GetValue<string>();
            return !string.IsNullOrWhiteSpace(message) && !string.IsNullOrWhiteSpace(code) && status >= 400
                ? make(OutcomeKind.TypedError, status, null, code, message)
                : make(OutcomeKind.Broken, status, null, code, $"error body without message and code: {Cut(raw)}");
        }
        catch (JsonException)
        {
            return make(OutcomeKind.Broken, status, null, null, $"status {status} with a body that is not JSON: {Cut(raw)}");
        }
    }

    private static async Task<ChatOutcome> StreamAsync(HttpResponseMessage response, string? backend, StringBuilder text, List<(string, string)> calls,
        Action<JsonNode?> report, Func<OutcomeKind, int, string?, string?, string, ChatOutcome> make, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        var done = false;
        string? errorCode = null, errorMessage = null, errorBackend = null;
        string? finish = null;
        string? bodyBackend = null; // a stream that sent progress comments first names its backend in the body, not the header
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }

            var data = line[5..].Trim();
            if (data == "[DONE]")
            {
                done = true;
                continue;
            }

            if (done || errorCode is not null)
            {
                return make(OutcomeKind.Broken, 200, backend, errorCode, $"data after the end of the stream: {Cut(data)}");
            }

            JsonNode? evt;
            try
            {
                evt = JsonNode.Parse(data);
            }
            catch (JsonException)
            {
                return make(OutcomeKind.Broken, 200, backend, null, $"an SSE event that is not JSON: {Cut(data)}");
            }

            report(evt?["agent_host"]);
            bodyBackend ??= evt?["agent_host"]?["backend"]?.GetValue<string>();
            if (evt?["error"] is { } error)
            {
                errorCode = error["code"]?.GetValue<string>() ?? "";
                errorMessage = error["message"]?.GetValue<string>() ?? "";
                errorBackend = error["backend"]?.GetValue<string>();
                continue;
            }

            var choice = evt?["choices"]?.AsArray().FirstOrDefault();
            if (choice?["delta"] is { } delta)
            {
                text.Append(delta["content"]?.GetValue<string>() ?? "");
                foreach (var call in delta["tool_calls"]?.AsArray() ?? [])
                {
                    if (call?["id"]?.GetValue<string>() is { } id)
                    {
                        calls.Add((id, call["function"]?["name"]?.GetValue<string>() ?? ""));
                    }
                }
            }

            finish = choice?["finish_reason"]?.GetValue<string>() ?? finish;
        }

        if (errorCode is not null)
        {
            return errorCode.Length > 0 && errorMessage!.Length > 0
                ? make(OutcomeKind.TypedError, 200, errorBackend ?? backend ?? bodyBackend, errorCode, errorMessage)
                : make(OutcomeKind.Broken, 200, errorBackend ?? backend, errorCode, "an SSE error event without code or message");
        }

        return done
            ? make(OutcomeKind.Answer, 200, backend ?? bodyBackend, null, finish ?? "")
            : make(OutcomeKind.Broken, 200, backend, null, "the stream ended with neither [DONE] nor an error event (a silent cut)");
    }

    private static string Cut(string text) => text.Length <= 300 ? text : text[..300] + "…";

    public void Dispose() => _http.Dispose();
}
