using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace AgentHost.Tests.Http.Ollama;

/// <summary>Requests to the host's Ollama API and reads of its answers, for the tests in this folder.</summary>
internal static class OllamaHttp
{
    /// <summary>A <c>/api/chat</c> body with one user message.</summary>
    public static string Chat(string text, string model = "agent-host", bool? stream = null, string? extra = null) =>
        $$"""{"model":"{{model}}","messages":[{"role":"user","content":{{JsonSerializer.Serialize(text)}}}]{{(stream is { } s ? $",\"stream\":{(s ? "true" : "false")}" : "")}}{{(extra is null ? "" : "," + extra)}}}""";

    public static Task<HttpResponseMessage> PostAsync(TestGateway gateway, string path, string body, string? apiKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>The NDJSON lines of a body, each parsed.</summary>
    public static List<JsonElement> Lines(string body) =>
        [.. body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    /// <summary>The <c>{"error": "..."}</c> text of an Ollama-shaped error body (fails the test when the body is not one).</summary>
    public static string Error(string body)
    {
        using var json = JsonDocument.Parse(body);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(JsonValueKind.String, error.ValueKind);
        return error.GetString()!;
    }

    /// <summary>The last request the Ollama emulator got on <c>/api/chat</c>, parsed.</summary>
    public static JsonElement LastChatRequest(TestGateway gateway) =>
        JsonDocument.Parse(gateway.Ollama.Requests.Last(r => r.PathAndQuery.StartsWith("/api/chat", StringComparison.Ordinal)).Body).RootElement.Clone();
}
