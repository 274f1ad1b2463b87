using System.Net.Http.Json;
using System.Text.Json;

namespace AgentHost.Http.Ollama;

/// <summary>The one line <c>serve</c> says when <see cref="HttpServiceOptions.OllamaPort"/> is already taken, naming a real Ollama when it is one.</summary>
internal static class OllamaPortConflict
{
    /// <summary>Asks the port's holder for Ollama's <c>/api/version</c> (1 s at most) and says who holds it.</summary>
    public static async Task<string> DescribeAsync(int port, string bindError)
    {
        string? version = null;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
            using var answer = await http.GetFromJsonAsync<JsonDocument>($"http://127.0.0.1:{port}/api/version");
            version = answer?.RootElement.TryGetProperty("version", out var v) == true ? v.GetString() : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or NotSupportedException)
        {
            // Not an Ollama (or not answering): the bind error alone says enough.
        }

        return version is null
            ? $"Cannot listen on Ollama's port {port}: {bindError}"
            : $"Cannot listen on Ollama's port {port}: a real Ollama ({version}) already holds it. Stop it or leave out --ollama-port " +
              "(keep it as a backend on its own port: never this host's own address).";
    }
}
