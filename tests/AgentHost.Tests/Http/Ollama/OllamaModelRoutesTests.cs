using System.Net;
using System.Text.Json;
using static AgentHost.Tests.Http.Ollama.OllamaHttp;

namespace AgentHost.Tests.Http.Ollama;

/// <summary><c>/api/tags</c>, <c>/api/show</c>, <c>/api/ps</c> and <c>/api/version</c> over what the chain serves.</summary>
public sealed class OllamaModelRoutesTests
{
    [Fact]
    public async Task Tags_lists_the_same_names_as_v1_models()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var tags = JsonDocument.Parse(await gateway.Client.GetStringAsync("api/tags"));
        using var models = JsonDocument.Parse(await gateway.Client.GetStringAsync("v1/models"));

        var tagNames = tags.RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToList();
        var modelIds = models.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Equal(modelIds, tagNames);
        Assert.Contains("agent-host", tagNames);
        Assert.Contains("local", tagNames);
        var first = tags.RootElement.GetProperty("models")[0];
        Assert.Equal(64, first.GetProperty("digest").GetString()!.Length);
        Assert.True(first.TryGetProperty("modified_at", out _));
        Assert.Equal("chain", first.GetProperty("agent_host").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Show_tells_a_routes_backends_and_capabilities_and_a_chat_can_use_the_route()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var response = await PostAsync(gateway, "api/show", """{"model":"local"}""");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        using var chat = await PostAsync(gateway, "api/chat", Chat("via local", model: "local", stream: false));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var info = json.RootElement.GetProperty("model_info");
        Assert.Equal("route", info.GetProperty("agent_host.kind").GetString());
        var backends = info.GetProperty("agent_host.backends").EnumerateArray().Select(b => b.GetString()).ToList();
        Assert.DoesNotContain("Victoria", backends);
        Assert.Contains("Ollama", backends);
        Assert.Contains("tools", json.RootElement.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(backends, json.RootElement.GetProperty("details").GetProperty("families").EnumerateArray().Select(b => b.GetString()));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        Assert.StartsWith("local; chosen-by=caller", chat.Headers.GetValues("x-agent-route").Single());
    }

    [Fact]
    public async Task Show_of_a_model_only_mlx_serves_says_it_takes_no_tools()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Mlx", "Ollama"]);

        using var response = await PostAsync(gateway, "api/show", """{"model":"qwen2.5-coder:32b"}""");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["completion"], json.RootElement.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("model", json.RootElement.GetProperty("model_info").GetProperty("agent_host.kind").GetString());
    }

    [Fact]
    public async Task Ps_lists_what_the_ollama_backend_has_loaded()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        gateway.Ollama.Load("llama3.2");

        using var json = JsonDocument.Parse(await gateway.Client.GetStringAsync("api/ps"));

        var loaded = Assert.Single(json.RootElement.GetProperty("models").EnumerateArray());
        Assert.StartsWith("llama3.2", loaded.GetProperty("name").GetString());
        Assert.Equal("Ollama", loaded.GetProperty("agent_host").GetProperty("backend").GetString());
    }

    [Fact]
    public async Task Version_answers_a_version_ollama_clients_accept()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var json = JsonDocument.Parse(await gateway.Client.GetStringAsync("api/version"));

        var version = Version.Parse(json.RootElement.GetProperty("version").GetString()!);
        Assert.True(version >= new Version(0, 5, 0), $"past the versions clients gate on (format schemas: 0.5): {version}");
    }
}
