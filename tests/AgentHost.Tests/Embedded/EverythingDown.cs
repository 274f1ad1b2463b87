using System.Text.Json;
using AgentHost.Emulators.Hosting;
using AgentHost.Tests.Http;

namespace AgentHost.Tests.Embedded;

/// <summary>
/// The setting of issue 8: every server down (MLX answers 503 "model loading", Ollama answers 503, Victoria refuses
/// connections) and only the tiny GGUF configured, so the embedded model is the last resort.
/// </summary>
internal static class EverythingDown
{
    /// <summary>The servers, in the order the chain tries them before the embedded model.</summary>
    public static readonly string[] Servers = ["Mlx", "Ollama", "Victoria"];

    /// <summary>Answers are capped at this many tokens: the tiny model never stops on its own.</summary>
    public const string MaxTokens = "24";

    /// <summary>
    /// The web app (<see cref="TestGateway"/>) over the emulators with MLX and Ollama failing, Victoria refused and the
    /// tiny model configured. The order names only the servers: the chain appends Embedded as the last resort.
    /// </summary>
    public static async Task<TestGateway> StartGatewayAsync()
    {
        var gateway = await TestGateway.StartAsync(order: Servers, settings: new Dictionary<string, string>
        {
            ["AgentHost:Backends:Victoria:Endpoint"] = Loopback.RefusingAddress().ToString(),
            ["AgentHost:Backends:Embedded:Enabled"] = "true",
            ["AgentHost:Backends:Embedded:ModelPath"] = EmbeddedLastResortTests.TinyModelPath(),
            ["AgentHost:Backends:Embedded:MaxTokens"] = MaxTokens,
            // The tiny model's first load can take over a second: keep the stream's headers (x-agent-backend) final.
            ["AgentHost:Http:ProgressAfter"] = "00:01:00",
        });
        gateway.Mlx.Faults.StatusCode = 503;
        gateway.Mlx.Faults.ErrorMessage = "model loading";
        gateway.Ollama.Faults.StatusCode = 503;

        // As the chat page does on load: /health probes every backend, so the chain knows Victoria is down from the start.
        using var health = await gateway.Client.GetAsync("health");
        Assert.Contains("Connection refused", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        return gateway;
    }

    /// <summary>
    /// The environment for the host run as a process (<c>HostProcess</c>) against emulators at <paramref name="mlx"/> and
    /// <paramref name="ollama"/> (set to fail by the caller), Victoria refused, the tiny model configured.
    /// </summary>
    public static Dictionary<string, string> ProcessEnvironment(Uri mlx, Uri ollama) => new()
    {
        ["AgentHost__Backends__Mlx__Endpoint"] = mlx.ToString(),
        ["AgentHost__Backends__Ollama__Endpoint"] = ollama.ToString(),
        ["AgentHost__Backends__Victoria__Endpoint"] = Loopback.RefusingAddress().ToString(),
        ["AgentHost__Backends__Embedded__Enabled"] = "true",
        ["AgentHost__Backends__Embedded__ModelPath"] = EmbeddedLastResortTests.TinyModelPath(),
        ["AgentHost__Backends__Embedded__MaxTokens"] = MaxTokens,
    };

    /// <summary>
    /// The attempts (as <c>ask --json</c> or the HTTP report write them) end with Embedded succeeding, after a failed
    /// or skipped attempt for each server that says why (MLX's 503 message, Victoria's refused connection) (<paramref name="why"/>: the error, else the skip reason).
    /// </summary>
    public static void AssertEachServerFailedBeforeEmbedded(JsonElement attempts, params string[] why)
    {
        var list = attempts.EnumerateArray().ToList();
        var embedded = list.FindIndex(a => a.GetProperty("backend").GetString() == "Embedded");
        Assert.True(embedded == list.Count - 1, $"Embedded answers last: {attempts}");
        Assert.Equal("succeeded", list[embedded].GetProperty("outcome").GetString());
        foreach (var server in Servers)
        {
            var attempt = list.FindIndex(a => a.GetProperty("backend").GetString() == server);
            Assert.True(attempt >= 0 && attempt < embedded, $"{server} should be tried or skipped before Embedded: {attempts}");
            Assert.NotEqual("succeeded", list[attempt].GetProperty("outcome").GetString());
            Assert.False(string.IsNullOrWhiteSpace(Why(list[attempt], why)), $"{server}'s attempt should say why it failed: {attempts}");
        }

        Assert.Contains("model loading", Why(list.Last(a => a.GetProperty("backend").GetString() == "Mlx"), why));
        Assert.Contains("refused", Why(list.Last(a => a.GetProperty("backend").GetString() == "Victoria"), why), StringComparison.OrdinalIgnoreCase);
    }

    private static string? Why(JsonElement attempt, string[] properties) =>
        properties.Select(p => attempt.TryGetProperty(p, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null)
            .FirstOrDefault(s => !string.IsNullOrWhiteSpace(s));
}
