using System.Net;
using System.Text;
using System.Text.Json;

namespace AgentHost.Tests.Http;

/// <summary>
/// Other web sites cannot use the local service: a body that is not JSON is a 415, a foreign <c>Origin</c> a 403, a foreign
/// <c>Host</c> (DNS rebinding) a 400, each before any endpoint runs; the service's own origin and a configured front end
/// are served, the latter with CORS. Requests carry their <c>Host</c> and <c>Origin</c> as a browser would send them.
/// </summary>
public sealed class CrossSiteProtectionTests
{
    private const string FrontEnd = "http://localhost:5173";
    private const string Marker = "cross-site marker";

    public static TheoryData<string, string> Routes => new()
    {
        { "POST", "v1/chat/completions" },
        { "POST", "prompts/summarize" },
        { "GET", "health" },
        { "GET", "v1/models" },
        { "GET", "prompts" },
        { "GET", "" },
        { "GET", "app.js" },
    };

    [Theory]
    [InlineData("v1/chat/completions", "text/plain")]
    [InlineData("v1/chat/completions", "text/plain;charset=UTF-8")]
    [InlineData("v1/chat/completions", "application/x-www-form-urlencoded")]
    [InlineData("v1/chat/completions", "multipart/form-data; boundary=x")]
    [InlineData("v1/chat/completions", null)]
    [InlineData("prompts/summarize", "text/plain")]
    [InlineData("prompts/summarize", null)]
    public async Task A_body_that_is_not_json_is_a_415_in_openai_shape_and_reaches_no_backend(string path, string? contentType)
    {
        await using var gateway = await TestGateway.StartAsync();
        using var request = Request(gateway, "POST", path);
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Body(path)));
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("unsupported_media_type", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains("application/json", error.GetProperty("message").GetString());
        AssertNoBackendSawIt(gateway);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON;charset=UTF-8")]
    public async Task A_json_body_with_or_without_a_charset_is_answered(string contentType)
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        using var request = Request(gateway, "POST", "v1/chat/completions");
        request.Content!.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Ollama", response.Headers.GetValues("x-agent-backend").Single());
        Assert.Equal(1, gateway.Ollama.GenerationRequests);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_foreign_origin_is_a_403_in_openai_shape_on_every_route(string method, string path)
    {
        await using var gateway = await TestGateway.StartAsync();
        using var request = Request(gateway, method, path, origin: "https://evil.example");

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("origin_not_allowed", error.GetProperty("code").GetString());
        Assert.Contains("https://evil.example", error.GetProperty("message").GetString());
        Assert.Contains("AgentHost:Http:AllowedOrigins", error.GetProperty("message").GetString());
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        AssertNoBackendSawIt(gateway);
    }

    [Theory]
    [InlineData("null")]                            // a sandboxed frame or a file:// page
    [InlineData("http://localhost:1")]              // another local app: its own port, its own origin
    [InlineData("https://127.0.0.1:{port}")]        // another scheme
    [InlineData("http://evil.example:{port}")]      // an attacker's name on the service's port
    [InlineData("http://localhost:5173")]           // a front end nobody allowed
    [InlineData("http://localhost:{port}/page")]    // not an origin
    public async Task Origins_that_are_not_the_services_own_are_refused(string origin)
    {
        await using var gateway = await TestGateway.StartAsync();
        using var request = Request(gateway, "POST", "v1/chat/completions", origin: origin.Replace("{port}", $"{gateway.BaseAddress.Port}"));

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        AssertNoBackendSawIt(gateway);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_foreign_host_is_a_400_before_any_endpoint_runs_on_every_route(string method, string path)
    {
        await using var gateway = await TestGateway.StartAsync();
        using var request = Request(gateway, method, path, host: $"evil.example:{gateway.BaseAddress.Port}");

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("Invalid Hostname", body);
        Assert.DoesNotContain("backends", body);
        AssertNoBackendSawIt(gateway);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("127.0.0.1.evil.example")]
    [InlineData("localhost.evil.example")]
    public async Task Health_under_a_foreign_host_is_refused(string host)
    {
        await using var gateway = await TestGateway.StartAsync();
        using var request = Request(gateway, "GET", "health", host: host);

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("Mlx", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("127.0.0.1", null)]                         // the page as opened, no Origin (a GET)
    [InlineData("127.0.0.1", "http://127.0.0.1:{port}")]    // the page's own POST
    [InlineData("127.0.0.1", "http://localhost:{port}")]    // the loopback service under its other name
    [InlineData("localhost", "http://localhost:{port}")]
    [InlineData("localhost", "http://127.0.0.1:{port}")]
    [InlineData("[::1]", "http://[::1]:{port}")]
    [InlineData("LocalHost", "http://localhost:{port}")]
    public async Task The_services_own_origin_under_each_loopback_name_is_answered(string host, string? origin)
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        var port = gateway.BaseAddress.Port;
        using var request = Request(gateway, "POST", "v1/chat/completions", host: $"{host}:{port}", origin: origin?.Replace("{port}", $"{port}"));
        using var health = Request(gateway, "GET", "health", host: $"{host}:{port}", origin: origin?.Replace("{port}", $"{port}"));

        using var response = await gateway.Client.SendAsync(request);
        using var healthResponse = await gateway.Client.SendAsync(health);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"Ollama: {Marker}", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, healthResponse.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_configured_host_name_and_its_origin_are_answered()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string>
        {
            ["AgentHost:Http:AllowedHosts"] = "gateway.lan;*.example.test",
        });
        var port = gateway.BaseAddress.Port;
        using var named = Request(gateway, "POST", "v1/chat/completions", host: $"gateway.lan:{port}", origin: $"http://gateway.lan:{port}");
        using var wildcard = Request(gateway, "GET", "health", host: "box.example.test");
        using var other = Request(gateway, "GET", "health", host: "gateway.lan.evil.example");

        using var namedResponse = await gateway.Client.SendAsync(named);
        using var wildcardResponse = await gateway.Client.SendAsync(wildcard);
        using var otherResponse = await gateway.Client.SendAsync(other);

        Assert.Equal(HttpStatusCode.OK, namedResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, wildcardResponse.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, otherResponse.StatusCode);
    }

    [Theory]
    [InlineData("v1/chat/completions")]
    [InlineData("prompts/summarize")]
    public async Task A_configured_origin_passes_preflight_and_is_served_with_cors(string path)
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string>
        {
            ["AgentHost:Http:AllowedOrigins:0"] = FrontEnd,
            ["AgentHost:Http:AllowedOrigins:1"] = "https://webui.example.test",
            ["AgentHost:Http:ApiKey"] = "s3cret",
        });
        using var preflight = Preflight(gateway, path, FrontEnd);

        using var answer = await gateway.Client.SendAsync(preflight);

        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        Assert.Equal(FrontEnd, answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", Values(answer, "Access-Control-Allow-Methods"));
        Assert.Contains("authorization", Values(answer, "Access-Control-Allow-Headers"));
        Assert.Contains("content-type", Values(answer, "Access-Control-Allow-Headers"));
        Assert.Equal("600", answer.Headers.GetValues("Access-Control-Max-Age").Single());
        Assert.Equal(0, gateway.Ollama.GenerationRequests);

        // The request the browser then sends: served, its headers readable by the front end.
        using var request = Request(gateway, "POST", path, origin: FrontEnd);
        request.Headers.Authorization = new("Bearer", "s3cret");
        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(FrontEnd, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("x-agent-backend", Values(response, "Access-Control-Expose-Headers"));
        Assert.Contains("x-agent-route", Values(response, "Access-Control-Expose-Headers"));
        Assert.Equal(1, gateway.Ollama.GenerationRequests);
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("http://localhost:5174")]
    public async Task A_foreign_origin_gets_no_access_control_allow_origin_on_preflight(string origin)
    {
        await using var gateway = await TestGateway.StartAsync(settings: new Dictionary<string, string> { ["AgentHost:Http:AllowedOrigins"] = FrontEnd });
        using var preflight = Preflight(gateway, "v1/chat/completions", origin);

        using var answer = await gateway.Client.SendAsync(preflight);

        Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Methods"));
        Assert.Equal("origin_not_allowed", (await ErrorOf(answer)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_cross_site_text_plain_post_from_a_foreign_origin_is_refused_and_the_service_stays_up()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        using var attack = Request(gateway, "POST", "v1/chat/completions", origin: "https://evil.example");
        attack.Content = new StringContent(TestGateway.ChatBody(Marker), Encoding.UTF8, "text/plain");

        using var refused = await gateway.Client.SendAsync(attack);
        using var after = await gateway.PostChatAsync(TestGateway.ChatBody("after the attack"));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.DoesNotContain(gateway.Ollama.Requests, r => r.Body.Contains(Marker, StringComparison.Ordinal));
        Assert.Contains(gateway.Logs, l => l.Contains("403", StringComparison.Ordinal) && l.Contains("https://evil.example", StringComparison.Ordinal));
    }

    /// <summary>A request as a browser sends it: the given <c>Host</c> (default the address dialled) and <c>Origin</c>; a POST carries a JSON body with <see cref="Marker"/>.</summary>
    private static HttpRequestMessage Request(TestGateway gateway, string method, string path, string? host = null, string? origin = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (method == "POST")
        {
            request.Content = new StringContent(Body(path), Encoding.UTF8, "application/json");
        }

        return request;
    }

    private static string Body(string path) =>
        path.StartsWith("prompts/", StringComparison.Ordinal) ? JsonSerializer.Serialize(new { input = Marker }) : TestGateway.ChatBody(Marker);

    private static HttpRequestMessage Preflight(TestGateway gateway, string path, string origin)
    {
        var request = Request(gateway, "OPTIONS", path, origin: origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return request;
    }

    private static List<string> Values(HttpResponseMessage response, string header) =>
        [.. response.Headers.GetValues(header).SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries))];

    private static void AssertNoBackendSawIt(TestGateway gateway)
    {
        Assert.Equal(0, gateway.Mlx.GenerationRequests + gateway.Ollama.GenerationRequests + gateway.Victoria.GenerationRequests);
        Assert.DoesNotContain(gateway.Mlx.Requests.Concat(gateway.Ollama.Requests).Concat(gateway.Victoria.Requests),
            r => r.Body.Contains(Marker, StringComparison.Ordinal));
    }

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").Clone();
    }
}
