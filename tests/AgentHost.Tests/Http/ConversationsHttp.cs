using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentHost.Http;

namespace AgentHost.Tests.Http;

/// <summary>Chat requests that name a conversation, and reading conversations back, over any client.</summary>
internal static class ConversationsHttp
{
    /// <summary>Posts <paramref name="body"/> to <c>/v1/chat/completions</c> with <c>x-agent-conversation: <paramref name="id"/></c>.</summary>
    public static Task<HttpResponseMessage> PostChatAsync(HttpClient client, string id, string body, string? apiKey = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation(ConversationRecorder.IdHeader, id);
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary><c>GET /v1/conversations/{id}</c>'s body, or null on a 404.</summary>
    public static async Task<JsonElement?> GetAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"v1/conversations/{id}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>The messages of a conversation body as <c>role: content [status]</c> lines.</summary>
    public static List<string> Lines(JsonElement conversation) =>
        [.. conversation.GetProperty("messages").EnumerateArray()
            .Select(m => $"{m.GetProperty("role").GetString()}: {m.GetProperty("content").GetString()} [{m.GetProperty("status").GetString()}]")];

    /// <summary>Polls (up to 10 s) until conversation <paramref name="id"/> exists and <paramref name="condition"/> holds on it.</summary>
    public static async Task<JsonElement> EventuallyAsync(HttpClient client, string id, Func<JsonElement, bool> condition)
    {
        JsonElement? last = null;
        await TestGateway.Eventually(async () => (last = await GetAsync(client, id)) is { } c && condition(c));
        return last!.Value;
    }
}
