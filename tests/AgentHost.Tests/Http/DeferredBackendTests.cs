using System.Net;
using System.Text.Json;

namespace AgentHost.Tests.Http;

/// <summary>
/// Issue 12 item 1 over HTTP: with the default order and Victoria's <c>/health</c> down while MLX and Ollama fail,
/// Victoria is still asked last (the seed's behaviour), plain and streamed, and the report shows the deferral.
/// </summary>
public sealed class DeferredBackendTests
{
    private static readonly string[] DefaultOrder = ["Victoria?", "Mlx", "Ollama", "Victoria"];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Victoria_answers_last_with_its_health_down_when_mlx_and_ollama_fail(bool stream)
    {
        // No background probe: its first round may still be running, from before the faults were set, and report Victoria healthy.
        await using var gateway = await TestGateway.StartAsync(order: DefaultOrder,
            settings: new Dictionary<string, string> { ["AgentHost:Fallback:Health:ProbeInterval"] = "00:00:00", ["AgentHost:Http:ProgressAfter"] = "00:01:00" });
        gateway.Victoria.Faults.HealthStatusCode = 503;
        gateway.Mlx.Faults.StatusCode = 500;
        gateway.Mlx.Faults.ErrorMessage = "Generation failed";
        gateway.Ollama.Faults.StatusCode = 500;
        using (var health = await gateway.Client.GetAsync("health"))
        {
            // As the page does on load: the chain now knows Victoria's health is down.
            Assert.Contains("\"Victoria\"", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var response = await gateway.PostChatAsync(TestGateway.ChatBody("hi", stream));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Victoria", Assert.Single(response.Headers.GetValues("x-agent-backend")));
        var body = await response.Content.ReadAsStringAsync();
        string text;
        JsonElement attempts;
        if (stream)
        {
            var data = TestGateway.SseData(body);
            Assert.Equal("[DONE]", data[^1]);
            text = TestGateway.StreamedText(data);
            using var last = JsonDocument.Parse(data.Last(d => d.Contains("agent_host", StringComparison.Ordinal)));
            attempts = last.RootElement.GetProperty("agent_host").GetProperty("attempts").Clone();
        }
        else
        {
            using var json = JsonDocument.Parse(body);
            text = json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
            attempts = json.RootElement.GetProperty("agent_host").GetProperty("attempts").Clone();
        }

        Assert.Equal("Victoria: hi", text);
        Assert.Equal(
            ["Victoria skipped", "Mlx failed", "Ollama failed", "Victoria deferred", "Victoria succeeded"],
            attempts.EnumerateArray().Select(a => $"{a.GetProperty("backend").GetString()} {a.GetProperty("outcome").GetString()}"));
        Assert.Equal(1, gateway.Victoria.GenerationRequests);
    }
}
