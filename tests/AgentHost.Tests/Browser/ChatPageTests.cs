using System.Text.Json;
using AgentHost.Tests.Http;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AgentHost.Tests.Browser;

/// <summary>The chat page at <c>/</c> in a real browser against the host and its emulators.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ChatPageTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task A_conversation_streams_names_its_backend_keeps_history_and_shows_failover()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama", "Mlx", "Victoria"]);
        gateway.Ollama.Faults.ChunkDelay = TimeSpan.FromMilliseconds(100); // the page shows at most one step per animation frame
        var page = await OpenAsync(gateway);

        // The health strip shows each backend's state from /health.
        await Expect(page.Locator("#health .pill[data-backend='Ollama']")).ToHaveAttributeAsync("data-state", "healthy");
        await Expect(page.Locator("#health .pill[data-backend='Mlx']")).ToHaveAttributeAsync("data-state", "healthy");

        // Turn 1 streams in piece by piece and carries a badge naming the backend.
        await page.EvaluateAsync("""
            () => { window.__seen = []; new MutationObserver(() => {
                      const t = document.querySelector('.msg.assistant:last-of-type .text');
                      if (t && t.textContent && window.__seen.at(-1) !== t.textContent) window.__seen.push(t.textContent);
                    }).observe(document.getElementById('log'), { subtree: true, childList: true, characterData: true }); }
            """);
        await SendAsync(page, "tell me about the quick brown fox");
        var first = page.Locator(".msg.assistant").Nth(0);
        await Expect(first.Locator(".text")).ToHaveTextAsync("Ollama: tell me about the quick brown fox");
        await Expect(first.Locator(".badge")).ToContainTextAsync("Ollama");
        var seen = await page.EvaluateAsync<string[]>("() => window.__seen");
        Assert.True(seen.Length >= 3, $"the answer appeared in steps, not at once: [{string.Join(" | ", seen)}]");
        Assert.All(seen.Zip(seen.Skip(1)), p => Assert.StartsWith(p.First, p.Second));

        // Turn 2: the whole conversation goes to the backend.
        await SendAsync(page, "and the lazy dog?");
        await Expect(page.Locator(".msg.assistant").Nth(1).Locator(".text")).ToHaveTextAsync("Ollama: and the lazy dog?");
        var sent = JsonDocument.Parse(gateway.Ollama.Requests.Last(r => r.PathAndQuery == "/api/chat").Body).RootElement.GetProperty("messages")
            .EnumerateArray().Select(m => $"{m.GetProperty("role").GetString()}: {m.GetProperty("content").GetString()}").ToList();
        Assert.Equal(
            ["user: tell me about the quick brown fox", "assistant: Ollama: tell me about the quick brown fox", "user: and the lazy dog?"], sent);

        // Turn 3: the first backend fails; the badge names the one that answered instead.
        gateway.Ollama.Faults.StatusCode = 503;
        await SendAsync(page, "who answers now?");

        var third = page.Locator(".msg.assistant").Nth(2);
        await Expect(third.Locator(".badge")).ToContainTextAsync("Mlx");
        await Expect(third.Locator(".text")).ToHaveTextAsync("MLX: who answers now?");
        Assert.Contains("Ollama", await third.Locator(".badge").GetAttributeAsync("title"));
        await Expect(third.Locator(".via")).ToHaveTextAsync("after Ollama failed");

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = "/tmp/agent-host-chat.png", FullPage = true });
    }

    [Fact]
    public async Task Failed_turns_show_inline_errors_and_keep_the_conversation()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama", "Mlx"]);
        var page = await OpenAsync(gateway);
        await SendAsync(page, "hello");
        await Expect(page.Locator(".msg.assistant").Nth(0).Locator(".text")).ToHaveTextAsync("Ollama: hello");

        // A stream cut after it started: the partial text stays visible with an error naming the backend.
        gateway.Ollama.Faults.Answer = _ => "one two three four five six seven eight";
        gateway.Ollama.InBandErrorAfterChunks = 2;
        await SendAsync(page, "count");
        var cut = page.Locator(".msg.assistant").Nth(1);
        await Expect(cut.Locator(".error")).ToContainTextAsync("broke off (Ollama)");
        await Expect(cut.Locator(".text")).ToHaveTextAsync("one two three four ");

        // Every backend down: the error names each one.
        gateway.Ollama.InBandErrorAfterChunks = null;
        gateway.Ollama.Faults.Reset();
        gateway.Ollama.Faults.StatusCode = 500;
        gateway.Mlx.Faults.StatusCode = 503;
        await SendAsync(page, "anyone?");
        var down = page.Locator(".msg.assistant").Nth(2).Locator(".error");
        await Expect(down).ToContainTextAsync("Ollama");
        await Expect(down).ToContainTextAsync("Mlx");

        // Back up: retry answers, and the history holds only whole turns (not the failed ones).
        gateway.Ollama.Faults.Reset();
        gateway.Mlx.Faults.Reset();
        await down.Locator("button", new() { HasText = "Retry" }).ClickAsync();
        await Expect(page.Locator(".msg.assistant").Last.Locator(".text")).ToHaveTextAsync("Ollama: anyone?");
        await Expect(page.Locator(".msg.user", new() { HasText = "anyone?" })).ToHaveCountAsync(1);
        await Expect(page.Locator(".msg.assistant")).ToHaveCountAsync(3);
        await Expect(page.Locator(".msg.assistant").Nth(1).Locator(".error")).ToBeVisibleAsync();
        var sent = JsonDocument.Parse(gateway.Ollama.Requests.Last(r => r.PathAndQuery == "/api/chat").Body).RootElement.GetProperty("messages")
            .EnumerateArray().Select(m => m.GetProperty("content").GetString()).ToList();
        Assert.Equal(["hello", "Ollama: hello", "anyone?"], sent);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = "/tmp/agent-host-chat-errors.png", FullPage = true });
    }

    [Fact]
    public async Task With_an_api_key_required_the_page_asks_for_it_and_then_works()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string> { ["AgentHost:Http:ApiKey"] = "s3cret" });
        var page = await OpenAsync(gateway);
        await Expect(page.Locator("#health")).ToContainTextAsync("API key needed");

        await SendAsync(page, "let me in");
        await Expect(page.Locator(".msg.assistant .error")).ToContainTextAsync("Missing API key");
        await Expect(page.Locator("#key-panel")).ToBeVisibleAsync();
        await page.Locator("#api-key").FillAsync("s3cret");
        await page.Locator("#key-panel button[type=submit]").ClickAsync();
        await Expect(page.Locator("#route option[value='local']")).ToHaveCountAsync(1);
        await page.Locator(".msg.assistant .error button", new() { HasText = "Retry" }).ClickAsync();

        await Expect(page.Locator(".msg.assistant").Last.Locator(".text")).ToHaveTextAsync("Ollama: let me in");
        await Expect(page.Locator(".msg.assistant").Last.Locator(".badge")).ToContainTextAsync("Ollama");
        await Expect(page.Locator("#health .pill[data-backend='Ollama']")).ToHaveAttributeAsync("data-state", "healthy");
        Assert.Equal("s3cret", await page.EvaluateAsync<string>("() => sessionStorage.getItem('agentHostApiKey')"));
    }

    [Fact]
    public async Task The_route_selector_lists_routes_and_models_and_sends_the_choice_as_model()
    {
        await using var gateway = await RouteSelectionTests.StartAsync();
        var page = await OpenAsync(gateway);
        var select = page.Locator("#route");

        // Filled from /v1/models: auto first, then the routes, then the models (the chain's own id is "auto").
        await Expect(select).ToHaveAttributeAsync("data-loaded", "true");
        var options = await select.Locator("option").EvaluateAllAsync<string[]>("os => os.map(o => o.value)");
        Assert.Equal(["", "default", "agent", "ask", "local", "plan"], options.Take(6));
        Assert.Contains("qwen2.5:7b", options);
        Assert.DoesNotContain("agent-host", options);
        Assert.Equal(["Routes", "Models"], await select.Locator("optgroup").EvaluateAllAsync<string[]>("gs => gs.map(g => g.label)"));

        // auto: no model goes out, the rules and the default order (Victoria first here) decide.
        await SendAsync(page, "hi");
        var first = page.Locator(".msg.assistant").Nth(0);
        await Expect(first.Locator(".text")).ToHaveTextAsync("Victoria: hi");
        await Expect(first.Locator(".badge")).ToContainTextAsync("route default");
        await Expect(first.Locator(".badge")).ToHaveAttributeAsync("data-chosen-by", "rule:short-model");

        // local: MLX fails, Ollama answers, the agent is never asked; the badge shows the route the caller chose.
        gateway.Mlx.Faults.StatusCode = 503;
        await select.SelectOptionAsync("local");
        await SendAsync(page, "which way?");
        var second = page.Locator(".msg.assistant").Nth(1);
        await Expect(second.Locator(".text")).ToHaveTextAsync("Ollama: which way?");
        await Expect(second.Locator(".badge")).ToContainTextAsync("Ollama");
        await Expect(second.Locator(".badge")).ToContainTextAsync("route local");
        await Expect(second.Locator(".badge")).ToHaveAttributeAsync("data-chosen-by", "caller+rule:short-model");
        Assert.Equal(1, gateway.Victoria.GenerationRequests);

        // A model: only the backend serving it, asked for it.
        gateway.Mlx.Faults.Reset();
        await select.SelectOptionAsync("qwen2.5:7b");
        await SendAsync(page, "and now?");
        await Expect(page.Locator(".msg.assistant").Nth(2).Locator(".badge")).ToContainTextAsync("route qwen2.5:7b");
        var sent = JsonDocument.Parse(gateway.Ollama.Requests.Last(r => r.PathAndQuery == "/api/chat").Body).RootElement;
        Assert.Equal("qwen2.5:7b", sent.GetProperty("model").GetString());
        Assert.Equal(1, gateway.Mlx.GenerationRequests);

        // A route removed since the page loaded: the 400 shows inline, naming what exists.
        await select.EvaluateAsync("s => { const o = document.createElement('option'); o.value = o.textContent = 'gpu'; s.append(o); s.value = 'gpu'; }");
        await SendAsync(page, "still there?");
        var refused = page.Locator(".msg.assistant").Nth(3).Locator(".error");
        await Expect(refused).ToContainTextAsync("'gpu' is neither a route nor a model any backend serves. Routes: default, agent, ask, local, plan.");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = "/tmp/agent-host-chat-routes.png", FullPage = true });
    }

    [Fact]
    public async Task While_the_chain_fails_over_the_pending_answer_shows_a_live_status_line_then_the_badge()
    {
        await using var gateway = await TestGateway.StartAsync(settings: new Dictionary<string, string> { ["AgentHost:Http:ProgressAfter"] = "00:00:00" });
        gateway.Mlx.Faults.StatusCode = 503; // what the MLX server refuses a stream with before it starts (a 500 comes as a cut)
        gateway.Mlx.Faults.ErrorMessage = "model loading";
        gateway.Ollama.Faults.FirstByteDelay = TimeSpan.FromSeconds(2); // long enough to see the line while Ollama works
        var page = await OpenAsync(gateway);

        await SendAsync(page, "anyone there?");
        var answer = page.Locator(".msg.assistant").Last;
        await Expect(answer.Locator(".progress")).ToHaveTextAsync("Mlx failed (503 model loading) → trying Ollama");
        await Expect(answer.Locator(".text")).ToHaveTextAsync("Ollama: anyone there?", new() { Timeout = 15_000 });
        await Expect(answer.Locator(".progress")).ToHaveCountAsync(0);
        await Expect(answer.Locator(".badge")).ToContainTextAsync("Ollama");
    }

    private async Task<IPage> OpenAsync(TestGateway gateway)
    {
        var context = await session.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 800 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(gateway.BaseAddress.ToString());
        return page;
    }

    /// <summary>Types and sends a message once the previous turn has finished (its stream ended).</summary>
    internal static async Task SendAsync(IPage page, string text)
    {
        await Expect(page.Locator(".msg.pending")).ToHaveCountAsync(0);
        await Expect(page.Locator("#send")).ToHaveTextAsync("Send");
        await page.Locator("#message").FillAsync(text);
        await page.Locator("#message").PressAsync("Enter");
    }
}
