using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace AgentHost.Bench.Reliability.Suites;

/// <summary>One bad HTTP request and the statuses that count as a clear refusal.</summary>
/// <param name="Name">What is wrong with it.</param>
/// <param name="Statuses">Acceptable statuses.</param>
/// <param name="Build">Makes the request (relative URI; the suite adds the API key unless the request carries <see cref="BadHttpCorpus.NoKey"/>).</param>
/// <param name="JsonError">Whether the answer must be an error body with a message: OpenAI's, or Ollama's <c>{"error": "..."}</c> under <c>api/</c>.</param>
internal sealed record BadHttpCase(string Name, int[] Statuses, Func<HttpRequestMessage> Build, bool JsonError = true);

/// <summary>The bad HTTP inputs: malformed JSON, wrong types, bad roles, bad SSE options, huge bodies, what other web sites send (bodies that are not JSON, foreign Origin and Host), bad auth, unknown routes and prompts, path traversal.</summary>
internal static class BadHttpCorpus
{
    private const string Chat = "v1/chat/completions";
    private const string User = """{"role":"user","content":"hi"}""";

    public static async Task<List<BadHttpCase>> BuildAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var cases = new List<BadHttpCase>
        {
            // Not JSON, or not the shape.
            ChatBody("malformed JSON (cut off)", """{"model":"agent-host","messages":[{"role":"user","content":"hi"}"""),
            ChatBody("not JSON at all", "hello there"),
            ChatBody("empty body", ""),
            ChatBody("a JSON array instead of an object", "[]"),
            ChatBody("a JSON string instead of an object", "\"hi\""),
            ChatBody("JSON nested 5,000 deep", new string('[', 5000) + new string(']', 5000)),
            Raw("invalid UTF-8 in the body", Chat, [.. "{\"messages\":[{\"role\":\"user\",\"content\":\""u8.ToArray(), 0xff, 0xfe, 0xc3, .. "\"}]}"u8.ToArray()]),
            ChatBody("trailing garbage after the JSON", $$"""{"messages":[{{User}}]} trailing"""),

            // Messages.
            ChatBody("messages missing", """{"model":"agent-host"}"""),
            ChatBody("messages empty", """{"messages":[]}"""),
            ChatBody("messages is a string", """{"messages":"hi"}"""),
            ChatBody("a message is a string", """{"messages":["hi"]}"""),
            ChatBody("role missing", """{"messages":[{"content":"hi"}]}"""),
            ChatBody("role unknown ('wizard')", """{"messages":[{"role":"wizard","content":"hi"}]}"""),
            ChatBody("role is a number", """{"messages":[{"role":5,"content":"hi"}]}"""),
            ChatBody("user content missing", """{"messages":[{"role":"user"}]}"""),
            ChatBody("content is a number", """{"messages":[{"role":"user","content":42}]}"""),
            ChatBody("content part is an image", """{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x/y.png"}}]}]}"""),
            ChatBody("content part without text", """{"messages":[{"role":"user","content":[{"type":"text"}]}]}"""),
            ChatBody("tool message without tool_call_id", $$"""{"messages":[{{User}},{"role":"tool","content":"42"}]}"""),
            ChatBody("assistant tool call without function", $$"""{"messages":[{{User}},{"role":"assistant","tool_calls":[{"id":"c1","type":"function"}]}]}"""),
            ChatBody("assistant tool call arguments not JSON", "{\"messages\":[" + User + ",{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{oops\"}}]}]}"),

            // Options of the wrong type or out of range.
            ChatBody("model is a number", $$"""{"model":123,"messages":[{{User}}]}"""),
            ChatBody("stream is a string", $$"""{"stream":"yes","messages":[{{User}}]}"""),
            ChatBody("stream_options is a string", $$"""{"stream":true,"stream_options":"usage","messages":[{{User}}]}"""),
            ChatBody("stream_options.include_usage is a string", $$"""{"stream":true,"stream_options":{"include_usage":"yes"},"messages":[{{User}}]}"""),
            ChatBody("temperature is a word", $$"""{"temperature":"hot","messages":[{{User}}]}"""),
            ChatBody("temperature out of range (5)", $$"""{"temperature":5,"messages":[{{User}}]}"""),
            ChatBody("max_tokens negative", $$"""{"max_tokens":-1,"messages":[{{User}}]}"""),
            ChatBody("max_tokens fractional", $$"""{"max_tokens":1.5,"messages":[{{User}}]}"""),
            ChatBody("n = 3", $$"""{"n":3,"messages":[{{User}}]}"""),
            ChatBody("stop is a number", $$"""{"stop":5,"messages":[{{User}}]}"""),
            ChatBody("response_format type 'xml'", $$"""{"response_format":{"type":"xml"},"messages":[{{User}}]}"""),
            ChatBody("tools is an object", $$"""{"tools":{},"messages":[{{User}}]}"""),
            ChatBody("tool type 'retrieval'", $$"""{"tools":[{"type":"retrieval"}],"messages":[{{User}}]}"""),
            ChatBody("tool name with spaces", "{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"bad name!\"}}],\"messages\":[" + User + "]}"),
            ChatBody("tool_choice 'sometimes'", $$"""{"tool_choice":"sometimes","messages":[{{User}}]}"""),
            ChatBody("tool_choice required without tools", $$"""{"tool_choice":"required","messages":[{{User}}]}"""),

            // Size.
            // Sent as curl sends a large body (Expect: 100-continue): without it the server's early 413 and close can race
            // the client's upload, and HttpClient reports its own write error instead of the answer.
            new("body of 2 MB (limit 1 MB)", [413], () => new HttpRequestMessage(HttpMethod.Post, Chat)
            {
                Content = new StringContent($$"""{"messages":[{"role":"user","content":"{{new string('x', 2 * 1024 * 1024)}}"}]}""", Encoding.UTF8, "application/json"),
                Headers = { ExpectContinue = true },
            }),
            new("body of 2 MB sent chunked (no Content-Length)", [413], () => new HttpRequestMessage(HttpMethod.Post, Chat)
            {
                Content = new ChunkedContent(Encoding.UTF8.GetBytes($$"""{"messages":[{"role":"user","content":"{{new string('x', 2 * 1024 * 1024)}}"}]}"""))
                {
                    Headers = { ContentType = new("application/json") },
                },
                Headers = { ExpectContinue = true },
            }),

            // Auth.
            Auth("no API key", null),
            Auth("wrong API key", new AuthenticationHeaderValue("Bearer", "not-the-key")),
            Auth("Basic instead of Bearer", new AuthenticationHeaderValue("Basic", Convert.ToBase64String("user:reliability-key"u8))),
            Auth("empty Bearer", new AuthenticationHeaderValue("Bearer", " ")),

            // Other web sites (a page the user opens): bodies browsers send without a preflight, foreign origins, and DNS
            // rebinding's foreign Host. Refused before any endpoint runs; the host filter's 400 is ASP.NET Core's, not OpenAI's body.
            Typed("text/plain body (a cross-site 'simple' request)", Chat, "text/plain"),
            Typed("text/plain;charset=UTF-8 body", Chat, "text/plain;charset=UTF-8"),
            Typed("form-urlencoded body", Chat, "application/x-www-form-urlencoded"),
            Typed("multipart/form-data body", Chat, "multipart/form-data; boundary=x"),
            Typed("body without a Content-Type", Chat, null),
            Typed("text/plain body to a prompt", "prompts/summarize", "text/plain"),
            Cross("foreign Origin on POST /v1/chat/completions", 403, HttpMethod.Post, Chat, origin: "https://evil.example"),
            Cross("foreign Origin with a text/plain body", 403, HttpMethod.Post, Chat, origin: "https://evil.example", type: "text/plain"),
            Cross("Origin 'null' (sandboxed frame, file://)", 403, HttpMethod.Post, Chat, origin: "null"),
            Cross("foreign Origin on GET /health", 403, HttpMethod.Get, "health", origin: "https://evil.example"),
            Cross("foreign Origin on GET / (the page)", 403, HttpMethod.Get, "", origin: "https://evil.example"),
            Cross("another local port as Origin", 403, HttpMethod.Post, Chat, origin: "http://localhost:1"),
            new("CORS preflight from a foreign origin", [403], () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Options, Chat) { Headers = { { "Origin", "https://evil.example" }, { "Access-Control-Request-Method", "POST" } } };
                request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
                return request;
            }),
            Cross("foreign Host on POST /v1/chat/completions (DNS rebinding)", 400, HttpMethod.Post, Chat, host: "evil.example"),
            Cross("foreign Host on GET /health", 400, HttpMethod.Get, "health", host: "evil.example"),
            Cross("foreign Host on GET /v1/models", 400, HttpMethod.Get, "v1/models", host: "127.0.0.1.evil.example"),

            // Routes.
            new("unknown route POST /v1/completions", [404], () => Json(HttpMethod.Post, "v1/completions", $$"""{"prompt":"hi"}""")),
            new("wrong method GET /v1/chat/completions", [404, 405], () => new HttpRequestMessage(HttpMethod.Get, Chat)),
            // Kestrel decodes and normalizes the dots: the request lands outside the API (no OpenAI body there), and must not escape.
            new("unknown route GET /v1/../../etc/passwd", [400, 404], () => new HttpRequestMessage(HttpMethod.Get, "v1/%2E%2E/%2E%2E/etc/passwd"), JsonError: false),
            new("unknown route DELETE /health", [404, 405], () => new HttpRequestMessage(HttpMethod.Delete, "health"), JsonError: false),

            // Prompts.
            new("unknown prompt", [404], () => Json(HttpMethod.Post, "prompts/no-such-prompt", "{}")),
            new("prompt name with ../ (encoded)", [400, 404], () => Json(HttpMethod.Post, "prompts/..%2F..%2Fsrc%2FAgentHost%2Fappsettings", "{}")),
            new("prompt name '..'", [400, 404, 405], () => Json(HttpMethod.Post, "prompts/%2E%2E", "{}"), JsonError: false),
            new("prompt name with backslashes", [400, 404], () => Json(HttpMethod.Post, "prompts/..%5C..%5Cappsettings.json", "{}")),
            new("prompt name that is an absolute path", [400, 404], () => Json(HttpMethod.Post, "prompts/%2Fetc%2Fpasswd", "{}")),
        };

        cases.AddRange(BadEmbeddingCorpus.Cases());
        cases.AddRange(OllamaCases());

        // Argument errors against a prompt that exists (and one of its required variables, if it has one).
        var (prompt, required) = await FirstPromptAsync(http, cancellationToken);
        if (prompt is not null)
        {
            cases.Add(new($"prompt '{prompt}' with an array body", [400], () => Json(HttpMethod.Post, $"prompts/{prompt}", "[1,2]")));
            cases.Add(new($"prompt '{prompt}' with malformed JSON", [400], () => Json(HttpMethod.Post, $"prompts/{prompt}", "{\"input\":")));
            cases.Add(new($"prompt '{prompt}' with an unknown argument", [400], () => Json(HttpMethod.Post, $"prompts/{prompt}", """{"no_such_argument":"x"}""")));
            cases.Add(new($"prompt '{prompt}' with an object argument", [400], () => Json(HttpMethod.Post, $"prompts/{prompt}", "{\"" + (required ?? "input") + "\":{\"nested\":true}}")));
            if (required is not null)
            {
                cases.Add(new($"prompt '{prompt}' without its required '{required}'", [400], () => Json(HttpMethod.Post, $"prompts/{prompt}", "{}")));
            }
        }

        return cases;
    }

    /// <summary>Ollama's API (<c>/api/chat</c>, <c>/api/generate</c>, <c>/api/show</c>): each refusal is a 4xx with Ollama's <c>{"error": "..."}</c>.</summary>
    private static IEnumerable<BadHttpCase> OllamaCases()
    {
        const string OllamaChat = "api/chat";
        const string Generate = "api/generate";
        BadHttpCase At(string path, string name, string body, int status = 400) => new($"{path}: {name}", [status], () => Json(HttpMethod.Post, path, body));
        return
        [
            At(OllamaChat, "malformed JSON (cut off)", """{"model":"agent-host","messages":[{"role":"user","content":"hi"}"""),
            At(OllamaChat, "not JSON at all", "hello there"),
            At(OllamaChat, "empty body", ""),
            At(OllamaChat, "a JSON array instead of an object", "[]"),
            At(OllamaChat, "JSON nested 5,000 deep", new string('[', 5000) + new string(']', 5000)),
            Raw($"{OllamaChat}: invalid UTF-8 in the body", OllamaChat, [.. "{\"model\":\"agent-host\",\"messages\":[{\"role\":\"user\",\"content\":\""u8.ToArray(), 0xff, 0xfe, 0xc3, .. "\"}]}"u8.ToArray()]),
            At(OllamaChat, "model missing", $$"""{"messages":[{{User}}]}"""),
            At(OllamaChat, "model is a number", $$"""{"model":5,"messages":[{{User}}]}"""),
            At(OllamaChat, "unknown model", $$"""{"model":"no-such-model","messages":[{{User}}]}""", 404),
            At(OllamaChat, "messages is a string", """{"model":"agent-host","messages":"hi"}"""),
            At(OllamaChat, "role unknown ('wizard')", """{"model":"agent-host","messages":[{"role":"wizard","content":"hi"}]}"""),
            At(OllamaChat, "content is a number", """{"model":"agent-host","messages":[{"role":"user","content":42}]}"""),
            At(OllamaChat, "an image", """{"model":"agent-host","messages":[{"role":"user","content":"hi","images":["aGk="]}]}"""),
            At(OllamaChat, "tool call arguments a string", """{"model":"agent-host","messages":[{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":"{}"}}]}]}"""),
            At(OllamaChat, "stream is a string", $$"""{"model":"agent-host","stream":"yes","messages":[{{User}}]}"""),
            At(OllamaChat, "options is a string", $$"""{"model":"agent-host","options":"hot","messages":[{{User}}]}"""),
            At(OllamaChat, "options.temperature is a word", $$"""{"model":"agent-host","options":{"temperature":"hot"},"messages":[{{User}}]}"""),
            At(OllamaChat, "options.num_predict fractional", $$"""{"model":"agent-host","options":{"num_predict":1.5},"messages":[{{User}}]}"""),
            At(OllamaChat, "format 'xml'", $$"""{"model":"agent-host","format":"xml","messages":[{{User}}]}"""),
            At(OllamaChat, "keep_alive is a boolean", $$"""{"model":"agent-host","keep_alive":true,"messages":[{{User}}]}"""),
            At(OllamaChat, "tools is an object", $$"""{"model":"agent-host","tools":{},"messages":[{{User}}]}"""),
            At(Generate, "not JSON", "hello there"),
            At(Generate, "model missing", """{"prompt":"hi"}"""),
            At(Generate, "prompt is a number", """{"model":"agent-host","prompt":5}"""),
            At(Generate, "an image", """{"model":"agent-host","prompt":"hi","images":["aGk="]}"""),
            At(Generate, "unknown model", """{"model":"no-such-model","prompt":"hi"}""", 404),
            At("api/show", "model missing", "{}"),
            At("api/show", "unknown model", """{"model":"no-such-model"}""", 404),
            new("api/chat: text/plain body", [415], () => new HttpRequestMessage(HttpMethod.Post, OllamaChat)
            {
                Content = new StringContent($$"""{"model":"agent-host","messages":[{{User}}]}""", Encoding.UTF8, "text/plain"),
            }),
            new("api/chat: no API key", [401], () =>
            {
                var request = Json(HttpMethod.Post, OllamaChat, $$"""{"model":"agent-host","messages":[{{User}}]}""");
                request.Options.Set(NoKey, true);
                return request;
            }),
            new("unknown route GET /api/pull-everything", [404], () => new HttpRequestMessage(HttpMethod.Get, "api/pull-everything")),
        ];
    }

    private static BadHttpCase ChatBody(string name, string body, int status = 400) =>
        new(name, [status], () => Json(HttpMethod.Post, Chat, body));

    private static BadHttpCase Raw(string name, string path, byte[] body) =>
        new(name, [400], () => new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } } });

    private static BadHttpCase Typed(string name, string path, string? contentType) =>
        new(name, [415], () =>
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(path == Chat ? $$"""{"messages":[{{User}}]}""" : """{"input":"hi"}"""));
            if (contentType is not null)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }

            return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        });

    /// <summary>A request as a browser on another site sends it: its <c>Origin</c>, or (DNS rebinding) its <c>Host</c>.</summary>
    private static BadHttpCase Cross(string name, int status, HttpMethod method, string path, string? origin = null, string? host = null, string type = "application/json") =>
        new(name, [status], () =>
        {
            var request = new HttpRequestMessage(method, path);
            if (method == HttpMethod.Post)
            {
                request.Content = new StringContent($$"""{"messages":[{{User}}]}""", Encoding.UTF8, type);
            }

            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }

            request.Headers.Host = host;
            return request;
        }, JsonError: host is null);

    private static BadHttpCase Auth(string name, AuthenticationHeaderValue? auth) =>
        new(name, [401], () =>
        {
            var request = Json(HttpMethod.Post, Chat, $$"""{"messages":[{{User}}]}""");
            request.Headers.Authorization = auth;
            request.Options.Set(NoKey, true);
            return request;
        });

    /// <summary>Set on a request that must go without the suite's API key.</summary>
    public static readonly HttpRequestOptionsKey<bool> NoKey = new("bad-input-no-key");

    private static HttpRequestMessage Json(HttpMethod method, string path, string body) =>
        new(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    /// <summary>The first prompt <c>GET /prompts</c> lists, and one of its required variables.</summary>
    private static async Task<(string? Prompt, string? Required)> FirstPromptAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "prompts") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", BadInputSuite.ApiKey) } };
        using var response = await http.SendAsync(request, cancellationToken);
        var list = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))?["prompts"]?.AsArray() ?? [];
        var withRequired = list.FirstOrDefault(p => p?["variables"]?.AsArray().Any(v => v?["required"]?.GetValue<bool>() == true) == true);
        var chosen = withRequired ?? list.FirstOrDefault();
        var required = withRequired?["variables"]!.AsArray().First(v => v?["required"]?.GetValue<bool>() == true)!["name"]!.GetValue<string>();
        return (chosen?["name"]?.GetValue<string>(), required);
    }

    /// <summary>A body sent with chunked transfer encoding (its length is not known up front).</summary>
    private sealed class ChunkedContent(byte[] body) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(body).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
