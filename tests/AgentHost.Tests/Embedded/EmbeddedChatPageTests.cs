using AgentHost.Tests.Browser;
using AgentHost.Tests.Http;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AgentHost.Tests.Embedded;

/// <summary>The chat page at <c>/</c> in Debian's chromium with every server down: the answer streams in from Embedded.</summary>
public sealed class EmbeddedChatPageTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task The_page_streams_an_answer_from_Embedded_and_the_badge_names_it_after_each_server_failed()
    {
        await using var gateway = await EverythingDown.StartGatewayAsync();
        var context = await session.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 800 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(gateway.BaseAddress.ToString());

        // Record every state the answer's text goes through while it streams in.
        await page.EvaluateAsync("""
            () => { window.__seen = []; new MutationObserver(() => {
                      const t = document.querySelector('.msg.assistant:last-of-type .text');
                      if (t && t.textContent && window.__seen.at(-1) !== t.textContent) window.__seen.push(t.textContent);
                    }).observe(document.getElementById('log'), { subtree: true, childList: true, characterData: true }); }
            """);
        var exchange = page.WaitForResponseAsync(r => r.Url.EndsWith("/v1/chat/completions", StringComparison.Ordinal));
        await page.Locator("#message").FillAsync("hello, anyone?");
        await page.Locator("#message").PressAsync("Enter");

        var answer = page.Locator(".msg.assistant").Nth(0);
        await Expect(answer.Locator(".badge")).ToContainTextAsync("Embedded");
        await Expect(answer.Locator(".badge")).ToContainTextAsync("tiny-llama.gguf");
        await Expect(page.Locator(".msg.pending")).ToHaveCountAsync(0);
        await Expect(answer.Locator(".error")).ToHaveCountAsync(0);
        await Expect(answer.Locator(".via")).ToHaveTextAsync("after Mlx, Ollama, Victoria failed"); // Victoria was known down: deferred, then tried (refused) before the last resort

        // The badge's tooltip is the attempt report: each server's failure, then Embedded's answer.
        var title = (await answer.Locator(".badge").GetAttributeAsync("title") ?? "").Split('\n');
        Assert.StartsWith("Answered by Embedded", title[0]);
        Assert.Equal("Embedded: answered", title[^1]);
        foreach (var server in EverythingDown.Servers)
        {
            var line = title.Last(l => l.StartsWith(server + ": ", StringComparison.Ordinal));
            Assert.NotEqual(server + ": answered", line);
        }

        Assert.Contains("model loading", Assert.Single(title, l => l.StartsWith("Mlx: ", StringComparison.Ordinal)));
        // Victoria's health was known down: deferred (saying why), then tried before the last resort, and refused.
        var victoria = title.Where(l => l.StartsWith("Victoria: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, victoria.Count);
        Assert.StartsWith("Victoria: deferred (down: ", victoria[0]);
        Assert.Contains("Connection refused", victoria[0]);
        Assert.Contains("refused", victoria[1], StringComparison.OrdinalIgnoreCase);

        // The page asked for a stream and got one from Embedded: several SSE chunks, then [DONE].
        var response = await exchange;
        Assert.True(response.Request.PostDataJSON()?.GetProperty("stream").GetBoolean(), "the page asks for a streamed answer");
        Assert.Equal("Embedded", response.Headers["x-agent-backend"]);
        Assert.StartsWith("text/event-stream", response.Headers["content-type"]);
        var data = TestGateway.SseData(await response.TextAsync());
        Assert.Equal("[DONE]", data[^1]);
        var pieces = data.Count(d => d != "[DONE]" && TestGateway.StreamedText([d]).Length > 0);
        Assert.True(pieces >= 3, $"the answer came token by token: {pieces} content chunks");

        // What the page shows is exactly what streamed, built up piece by piece (the tiny model is fast: the browser
        // may render several chunks at once, so the number of visible steps is not asserted).
        // The answer is rendered as markdown, and the tiny model's text is full of markdown marks (* ~ _ #), so the
        // comparison is of the letters and digits, in order.
        var text = Letters(await answer.Locator(".text").TextContentAsync());
        Assert.False(string.IsNullOrEmpty(text));
        Assert.Equal(Letters(TestGateway.StreamedText(data)), text);
        var seen = await page.EvaluateAsync<string[]>("() => window.__seen");
        Assert.NotEmpty(seen);
        Assert.All(seen, s => Assert.StartsWith(Letters(s), text, StringComparison.Ordinal));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = "/tmp/agent-host-chat-embedded.png", FullPage = true });
        await context.CloseAsync();
    }

    private static string Letters(string? text) => string.Concat((text ?? "").Where(char.IsLetterOrDigit));
}
