using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AgentHost.Emulators.Hosting;
using AgentHost.Hosting;
using AgentHost.Http;
using Microsoft.Extensions.Options;

namespace AgentHost.Tests.Http;

/// <summary><c>/v1/models</c>, <c>/health</c>, the chat page's files, the API key, and where and under which names the service may listen.</summary>
public sealed class StatusAndSecurityTests
{
    [Fact]
    public async Task Models_lists_the_chain_and_the_configured_model_of_each_enabled_backend()
    {
        await using var gateway = await TestGateway.StartAsync(settings: new Dictionary<string, string> { ["AgentHost:Backends:Ollama:Enabled"] = "false" });

        using var json = JsonDocument.Parse(await gateway.Client.GetStringAsync("v1/models"));

        Assert.Equal("list", json.RootElement.GetProperty("object").GetString());
        var models = json.RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.All(models, m => Assert.Equal("model", m.GetProperty("object").GetString()));
        var ids = models.Select(m => (m.GetProperty("id").GetString(), m.GetProperty("owned_by").GetString())).ToList();
        Assert.Equal(("agent-host", "agent-host"), ids[0]);
        Assert.Contains(("qwen2.5-coder:32b", "Mlx"), ids);
        Assert.DoesNotContain(ids, i => i.Item1 == "llama3.2");
    }

    [Fact]
    public async Task Health_is_200_with_every_backend_its_state_and_endpoint_when_one_is_up()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var response = await gateway.Client.GetAsync("health");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("agent-host", json.RootElement.GetProperty("host").GetProperty("name").GetString());
        var backends = json.RootElement.GetProperty("backends").EnumerateArray().ToDictionary(b => b.GetProperty("name").GetString()!);
        Assert.Equal("healthy", backends["Mlx"].GetProperty("health").GetString());
        Assert.Equal(gateway.Mlx.BaseAddress.ToString().TrimEnd('/'), backends["Mlx"].GetProperty("endpoint").GetString()!.TrimEnd('/'));
        Assert.Equal("healthy", backends["Ollama"].GetProperty("health").GetString());
        Assert.Equal("healthy", backends["Victoria"].GetProperty("health").GetString());
    }

    [Fact]
    public async Task Health_is_503_naming_why_each_backend_is_down_when_none_is_up()
    {
        var settings = new Dictionary<string, string>
        {
            ["AgentHost:Backends:Mlx:Endpoint"] = Loopback.RefusingAddress().ToString(),
            ["AgentHost:Backends:Ollama:Endpoint"] = Loopback.RefusingAddress().ToString(),
            ["AgentHost:Backends:Victoria:Endpoint"] = Loopback.RefusingAddress().ToString(),
        };
        await using var gateway = await TestGateway.StartAsync(settings: settings, startEmulators: false);

        using var response = await gateway.Client.GetAsync("health");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("unavailable", json.RootElement.GetProperty("status").GetString());
        foreach (var name in new[] { "Mlx", "Ollama", "Victoria" })
        {
            var backend = json.RootElement.GetProperty("backends").EnumerateArray().Single(b => b.GetProperty("name").GetString() == name);
            Assert.Equal("down", backend.GetProperty("health").GetString());
            Assert.False(string.IsNullOrWhiteSpace(backend.GetProperty("reason").GetString()));
        }
    }

    [Fact]
    public async Task The_background_prober_keeps_health_current_while_the_service_runs()
    {
        await using var gateway = await TestGateway.StartAsync(settings: new Dictionary<string, string> { ["AgentHost:Fallback:Health:ProbeInterval"] = "00:00:00.100" });
        Assert.Equal("healthy", await HealthOf(gateway, "Mlx"));

        gateway.Mlx.Faults.HealthStatusCode = 503;

        await TestGateway.Eventually(async () => await HealthOf(gateway, "Mlx") == "down");
    }

    [Fact]
    public async Task The_prompt_routes_are_served_beside_the_gateway()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var json = JsonDocument.Parse(await gateway.Client.GetStringAsync("prompts"));

        Assert.Contains(json.RootElement.GetProperty("prompts").EnumerateArray(), p => p.GetProperty("name").GetString() == "summarize");
    }

    [Fact]
    public async Task The_chat_page_and_its_files_are_served_at_the_root()
    {
        await using var gateway = await TestGateway.StartAsync(settings: new Dictionary<string, string> { ["AgentHost:Http:ApiKey"] = "s3cret" });

        using var page = await gateway.Client.GetAsync("/");
        using var script = await gateway.Client.GetAsync("app.js");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<title>agent-host chat</title>", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("v1/chat/completions", await script.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("vendor/marked/marked.umd.js", "marked v18")]
    [InlineData("vendor/dompurify/purify.min.js", "DOMPurify 3")]
    public async Task The_chat_pages_vendored_libraries_are_served_without_a_key(string path, string banner)
    {
        await using var gateway = await TestGateway.StartAsync(settings: new Dictionary<string, string> { ["AgentHost:Http:ApiKey"] = "s3cret" });

        var page = await gateway.Client.GetStringAsync("/");
        using var script = await gateway.Client.GetAsync(path);

        Assert.Contains($"<script src=\"{path}\"></script>", page);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Contains(banner, await script.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task With_an_api_key_set_the_api_asks_for_it_and_accepts_it()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string> { ["AgentHost:Http:ApiKey"] = "s3cret" });

        using var missing = await gateway.PostChatAsync(TestGateway.ChatBody("hi"));
        using var wrong = await gateway.PostChatAsync(TestGateway.ChatBody("hi"), apiKey: "guess");
        using var right = await gateway.PostChatAsync(TestGateway.ChatBody("hi"), apiKey: "s3cret");
        using var health = await gateway.Client.GetAsync("health");
        using var models = new HttpRequestMessage(HttpMethod.Get, "v1/models") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "s3cret") } };
        using var modelsResponse = await gateway.Client.SendAsync(models);

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("missing_api_key", await CodeOf(missing));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("invalid_api_key", await CodeOf(wrong));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal("Ollama", right.Headers.GetValues("x-agent-backend").Single());
        Assert.Equal(HttpStatusCode.Unauthorized, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, modelsResponse.StatusCode);
        Assert.Equal(1, gateway.Ollama.GenerationRequests);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://+:8080")]
    [InlineData("http://*:8080")]
    [InlineData("http://192.168.1.20:8080")]
    [InlineData("http://myhost.example:8080")]
    [InlineData("http://127.0.0.1:8080;http://0.0.0.0:8081")]
    public void Listening_beyond_loopback_without_an_api_key_is_refused_with_one_readable_line(string urls)
    {
        var builder = AgentHostApplication.CreateWebBuilder([$"--AgentHost:Http:Urls={urls}"]);

        var e = Assert.Throws<OptionsValidationException>(() => builder.BuildAgentHostWebApp());

        var line = StartupErrors.Describe(e);
        Assert.NotNull(line);
        Assert.DoesNotContain('\n', line);
        Assert.Contains("refusing to listen on", line);
        Assert.Contains("AgentHost:Http:ApiKey", line);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://[::]:8080")]
    [InlineData("http://+:8080")]
    [InlineData("http://*:8080")]
    public void Listening_on_every_address_without_the_names_clients_use_is_refused_with_one_readable_line(string urls)
    {
        var builder = AgentHostApplication.CreateWebBuilder([$"--AgentHost:Http:Urls={urls}", "--AgentHost:Http:ApiKey=s3cret"]);

        var e = Assert.Throws<OptionsValidationException>(() => builder.BuildAgentHostWebApp());

        var line = StartupErrors.Describe(e);
        Assert.NotNull(line);
        Assert.DoesNotContain('\n', line);
        Assert.Contains($"refusing to listen on {urls}", line);
        Assert.Contains("AgentHost:Http:AllowedHosts", line);
    }

    [Theory]
    [InlineData("AgentHost:Http:AllowedHosts", "myhost.lan:8080", "'myhost.lan:8080' is not a host name")]
    [InlineData("AgentHost:Http:AllowedHosts", "http://myhost.lan", "'http://myhost.lan' is not a host name")]
    [InlineData("AgentHost:Http:AllowedOrigins", "*", "'*' is not an origin")]
    [InlineData("AgentHost:Http:AllowedOrigins", "localhost:5173", "'localhost:5173' is not an origin")]
    [InlineData("AgentHost:Http:AllowedOrigins", "http://localhost:5173/app", "'http://localhost:5173/app' is not an origin")]
    public void An_allowed_host_or_origin_that_is_not_one_is_refused_with_one_readable_line(string key, string value, string expected)
    {
        var builder = AgentHostApplication.CreateWebBuilder([$"--{key}={value}"]);

        var e = Assert.Throws<OptionsValidationException>(() => builder.BuildAgentHostWebApp());

        var line = StartupErrors.Describe(e);
        Assert.NotNull(line);
        Assert.DoesNotContain('\n', line);
        Assert.Contains(expected, line);
        Assert.Contains(key, line);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", null, null)]
    [InlineData("http://localhost:8080", null, null)]
    [InlineData("http://[::1]:8080", null, null)]
    [InlineData("http://0.0.0.0:8080", "s3cret", "myhost.lan")]
    [InlineData("http://192.168.1.20:8080", "s3cret", null)]
    public async Task Loopback_or_a_key_and_the_names_clients_use_is_allowed(string urls, string? key, string? hosts)
    {
        var args = new List<string> { $"--AgentHost:Http:Urls={urls}" };
        if (key is not null)
        {
            args.Add($"--AgentHost:Http:ApiKey={key}");
        }

        if (hosts is not null)
        {
            args.Add($"--AgentHost:Http:AllowedHosts={hosts}");
        }

        await using var app = AgentHostApplication.CreateWebBuilder(args).BuildAgentHostWebApp();

        Assert.Equal(urls, Assert.Single(app.Urls));
    }

    private static async Task<string?> HealthOf(TestGateway gateway, string backend)
    {
        using var json = JsonDocument.Parse(await gateway.Client.GetStringAsync("health").ConfigureAwait(false));
        return json.RootElement.GetProperty("backends").EnumerateArray().Single(b => b.GetProperty("name").GetString() == backend).GetProperty("health").GetString();
    }

    private static async Task<string?> CodeOf(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").GetProperty("code").GetString();
    }
}
