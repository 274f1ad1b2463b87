using System.Net;
using System.Text.Json;
using AgentHost.Emulators.Hosting;
using AgentHost.Http;

namespace AgentHost.Tests.Http;

/// <summary>
/// The OpenAI <c>model</c> field chooses a route (the shipped <c>agent</c>, <c>ask</c>, <c>local</c>) or a concrete model;
/// every answer says which route served it and what chose it (<c>x-agent-route</c>, <c>agent_host.route</c>/<c>chosen_by</c>).
/// The default order here is Victoria, Ollama, Mlx, so each shipped route visibly differs from it.
/// </summary>
public sealed class RouteSelectionTests
{
    private static readonly string[] DefaultOrder = ["Victoria", "Ollama", "Mlx"];

    [Theory]
    [InlineData("ask", "", "Mlx", "MLX: hi", new[] { "Mlx" })]
    [InlineData("ask", "Mlx", "Ollama", "Ollama: hi", new[] { "Mlx", "Ollama" })]
    [InlineData("ask", "Mlx,Ollama", "Victoria", "Victoria: hi", new[] { "Mlx", "Ollama", "Victoria" })]
    [InlineData("local", "", "Mlx", "MLX: hi", new[] { "Mlx" })]
    [InlineData("local", "Mlx", "Ollama", "Ollama: hi", new[] { "Mlx", "Ollama" })]
    [InlineData("agent", "", "Victoria", "Victoria: hi", new[] { "Victoria" })]
    [InlineData("agent", "Victoria", "Mlx", "MLX: hi", new[] { "Victoria", "Mlx" })]
    [InlineData("AGENT", "", "Victoria", "Victoria: hi", new[] { "Victoria" })]
    public async Task Each_shipped_route_named_by_model_is_tried_in_its_own_order(string model, string failing, string backend, string text, string[] tried)
    {
        await using var gateway = await StartAsync();
        Fail(gateway, failing);

        using var response = await gateway.PostChatAsync(Body("hi", model));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal(backend, Assert.Single(response.Headers.GetValues("x-agent-backend")));
        Assert.Equal($"{model.ToLowerInvariant()}; chosen-by=caller+rule:short-model", Assert.Single(response.Headers.GetValues(RouteHeader.Name)));
        using var json = JsonDocument.Parse(body);
        Assert.Equal(text, json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        var report = json.RootElement.GetProperty("agent_host");
        Assert.Equal((model.ToLowerInvariant(), "caller+rule:short-model"), (report.GetProperty("route").GetString(), report.GetProperty("chosen_by").GetString()));
        Assert.Equal(tried, Tried(report));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Local_never_touches_victoria_even_when_mlx_and_ollama_fail(bool stream)
    {
        await using var gateway = await StartAsync();
        Fail(gateway, "Mlx,Ollama");

        using var response = await gateway.PostChatAsync(Body("hi", "local", stream));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("local; chosen-by=caller+rule:short-model", Assert.Single(response.Headers.GetValues(RouteHeader.Name)));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var message = json.RootElement.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("Mlx", message);
        Assert.Contains("Ollama", message);
        Assert.DoesNotContain("Victoria", message);
        Assert.Equal(["Mlx", "Ollama"], Tried(json.RootElement.GetProperty("agent_host")));
        Assert.Equal(0, gateway.Victoria.GenerationRequests);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_model_only_ollama_serves_goes_only_to_ollama_with_that_model_on_the_wire(bool stream)
    {
        await using var gateway = await StartAsync();

        using var response = await gateway.PostChatAsync(Body("hi", "qwen2.5:7b", stream));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("Ollama", Assert.Single(response.Headers.GetValues("x-agent-backend")));
        Assert.Equal("qwen2.5:7b; chosen-by=caller", Assert.Single(response.Headers.GetValues(RouteHeader.Name)));
        var text = stream ? TestGateway.StreamedText(TestGateway.SseData(body))
            : JsonDocument.Parse(body).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        Assert.Equal("Ollama: hi", text);
        var sent = JsonDocument.Parse(gateway.Ollama.Requests.Single(r => r.PathAndQuery == "/api/chat").Body).RootElement;
        Assert.Equal("qwen2.5:7b", sent.GetProperty("model").GetString());
        Assert.Equal(0, gateway.Mlx.GenerationRequests);
        Assert.Equal(0, gateway.Victoria.GenerationRequests);
    }

    [Fact]
    public async Task The_caller_s_route_beats_a_matching_route_rule_and_leaves_the_model_rules_in_force()
    {
        // The shipped fast-path rule (switched on) sends short messages to 'ask'; the short-model rule asks MLX for phi3:mini-4k.
        await using var gateway = await StartAsync(new Dictionary<string, string> { ["AgentHost:Routing:Rules:0:Enabled"] = "true" });

        using var byRule = await gateway.PostChatAsync(Body("hi", model: null));
        Assert.Equal("ask; chosen-by=rule:fast-path+rule:short-model", Assert.Single(byRule.Headers.GetValues(RouteHeader.Name)));
        Assert.Contains("\"model\":\"phi3:mini-4k\"", gateway.Mlx.Requests.Last(r => r.Method == "POST").Body);

        using var byCaller = await gateway.PostChatAsync(Body("hi", "local"));
        Assert.Equal(HttpStatusCode.OK, byCaller.StatusCode);
        // The caller's route beats the fast path; the model rules stay in force (a route picks the order, not the model).
        Assert.Equal("local; chosen-by=caller+rule:short-model", Assert.Single(byCaller.Headers.GetValues(RouteHeader.Name)));
        Assert.Contains("\"model\":\"phi3:mini-4k\"", gateway.Mlx.Requests.Last(r => r.Method == "POST").Body);
    }

    [Theory]
    [InlineData(null, "default")]
    [InlineData("agent-host", "default")]
    [InlineData("Agent-Host", "default")]
    public async Task No_model_or_the_chain_s_own_id_is_no_choice_and_the_header_says_what_chose(string? model, string route)
    {
        await using var gateway = await StartAsync();

        using var response = await gateway.PostChatAsync(Body("hi", model));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{route}; chosen-by=rule:short-model", Assert.Single(response.Headers.GetValues(RouteHeader.Name)));
        Assert.Equal("Victoria", Assert.Single(response.Headers.GetValues("x-agent-backend")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_unknown_name_is_a_400_listing_routes_and_models_before_any_stream(bool stream)
    {
        await using var gateway = await StartAsync();

        using var response = await gateway.PostChatAsync(Body("hi", "gpt-5", stream));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(response.Headers.Contains(RouteHeader.Name));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(("model_not_found", "model", "invalid_request_error"),
            (error.GetProperty("code").GetString(), error.GetProperty("param").GetString(), error.GetProperty("type").GetString()));
        var message = error.GetProperty("message").GetString()!;
        Assert.StartsWith("'gpt-5' is neither a route nor a model any backend serves. Routes: default, agent, ask, local, plan. Models: ", message);
        Assert.Contains("qwen2.5:7b", message);
        Assert.Contains("qwen2.5-coder:32b", message);
        Assert.Equal(0, gateway.Mlx.GenerationRequests + gateway.Ollama.GenerationRequests + gateway.Victoria.GenerationRequests);
    }

    [Fact]
    public async Task A_streamed_answer_names_its_route_in_the_header_before_the_first_byte_and_in_the_report()
    {
        await using var gateway = await StartAsync();
        gateway.Mlx.Faults.ChunkDelay = TimeSpan.FromMilliseconds(30);

        using var response = await gateway.PostChatAsync(Body("hi", "local", stream: true));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("local; chosen-by=caller+rule:short-model", Assert.Single(response.Headers.GetValues(RouteHeader.Name)));
        var data = TestGateway.SseData(await response.Content.ReadAsStringAsync());
        Assert.Equal("MLX: hi", TestGateway.StreamedText(data));
        var reports = data.Where(d => d != "[DONE]").Select(d => JsonDocument.Parse(d).RootElement)
            .Where(e => e.TryGetProperty("agent_host", out _)).Select(e => e.GetProperty("agent_host")).ToList();
        Assert.Equal(2, reports.Count);
        Assert.All(reports, r => Assert.Equal(("local", "caller+rule:short-model"), (r.GetProperty("route").GetString(), r.GetProperty("chosen_by").GetString())));
    }

    [Fact]
    public async Task Models_lists_the_chain_the_routes_and_the_models_the_backends_report()
    {
        await using var gateway = await StartAsync();

        using var json = JsonDocument.Parse(await gateway.Client.GetStringAsync("v1/models"));

        Assert.Equal("list", json.RootElement.GetProperty("object").GetString());
        var data = json.RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.All(data, m => Assert.Equal("model", m.GetProperty("object").GetString()));
        Assert.All(data, m => Assert.True(m.GetProperty("created").GetInt64() > 1_700_000_000));
        var entries = data.Select(m => (Id: m.GetProperty("id").GetString()!, Owner: m.GetProperty("owned_by").GetString()!,
            Kind: m.GetProperty("agent_host").GetProperty("kind").GetString()!)).ToList();
        Assert.Equal(
            [("agent-host", "agent-host", "chain"), ("default", "agent-host", "route"), ("agent", "agent-host", "route"), ("ask", "agent-host", "route"), ("local", "agent-host", "route"),
             ("plan", "agent-host", "route")],
            entries.Take(6));
        var models = entries.Skip(6).ToList();
        Assert.All(models, m => Assert.Equal("model", m.Kind));
        Assert.Contains(("qwen2.5:7b", "Ollama", "model"), models);
        Assert.Contains(("llama3.2:latest", "Ollama", "model"), models);
        Assert.Contains(("qwen2.5-coder:32b", "Mlx", "model"), models);
        Assert.Contains(models, m => m.Id == "phi3:mini-4k" && m.Owner == "Mlx");
        Assert.Equal(entries.Count, entries.Select(e => e.Id).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        var local = data.Single(m => m.GetProperty("id").GetString() == "local").GetProperty("agent_host");
        Assert.Equal(["Mlx", "Ollama"], local.GetProperty("backends").EnumerateArray().Select(b => b.GetString()));
        Assert.Contains("never the agent", local.GetProperty("description").GetString());
    }

    [Fact]
    public async Task Every_name_v1_models_lists_is_accepted_as_model_and_answered_by_the_backend_that_serves_it()
    {
        await using var gateway = await StartAsync();
        using var json = JsonDocument.Parse(await gateway.Client.GetStringAsync("v1/models"));
        var entries = json.RootElement.GetProperty("data").EnumerateArray()
            .Select(m => (Id: m.GetProperty("id").GetString()!, Owner: m.GetProperty("owned_by").GetString()!, Kind: m.GetProperty("agent_host").GetProperty("kind").GetString()!))
            .ToList();
        Assert.Contains(entries, e => e.Kind == "model" && e.Owner == "Mlx");
        Assert.Contains(entries, e => e.Kind == "model" && e.Owner == "Ollama");

        foreach (var (id, owner, kind) in entries)
        {
            using var response = await gateway.PostChatAsync(Body("hi", id));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{id}: {(int)response.StatusCode} {body}");
            Assert.True(response.Headers.Contains(RouteHeader.Name), id);
            var backend = Assert.Single(response.Headers.GetValues("x-agent-backend"));
            var text = JsonDocument.Parse(body).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
            if (kind != "model")
            {
                continue; // the chain or a route: any backend of its order may answer
            }

            // A concrete model: the backend that lists it answers, and (where the protocol names a model: not Victoria's
            // /run) that model is what it was asked for on the wire.
            Assert.True(owner == backend, $"{id} is {owner}'s model but {backend} answered");
            Assert.EndsWith(": hi", text, StringComparison.Ordinal);
            if (owner == "Victoria")
            {
                continue;
            }

            BackendEmulator emulator = owner == "Mlx" ? gateway.Mlx : gateway.Ollama;
            var wire = emulator.Requests.Last(r => r.Method == "POST").Body;
            Assert.True(JsonDocument.Parse(wire).RootElement.TryGetProperty("model", out var sent) && sent.GetString() == id, $"{id}: {owner} was sent {wire}");
        }
    }

    /// <summary>The gateway in front of all three emulators, default order Victoria, Ollama, Mlx, health probed (so <c>Victoria?</c> counts as up).</summary>
    internal static async Task<TestGateway> StartAsync(IDictionary<string, string>? settings = null)
    {
        var gateway = await TestGateway.StartAsync(order: DefaultOrder, settings: settings);
        (await gateway.Client.GetAsync("health")).Dispose();
        return gateway;
    }

    internal static string Body(string text, string? model, bool stream = false) =>
        $$"""{{{(model is null ? "" : $"\"model\":{JsonSerializer.Serialize(model)},")}}"messages":[{"role":"user","content":{{JsonSerializer.Serialize(text)}}}],"stream":{{(stream ? "true" : "false")}}}""";

    private static void Fail(TestGateway gateway, string backends)
    {
        foreach (var name in backends.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            BackendEmulator emulator = name switch { "Mlx" => gateway.Mlx, "Ollama" => gateway.Ollama, _ => gateway.Victoria };
            emulator.Faults.StatusCode = 503;
        }
    }

    /// <summary>The backends the report says were tried (not skipped), in order.</summary>
    private static List<string> Tried(JsonElement report) =>
        [.. report.GetProperty("attempts").EnumerateArray().Where(a => a.GetProperty("outcome").GetString() != "skipped").Select(a => a.GetProperty("backend").GetString()!)];
}
