using System.Text;
using System.Text.Json;
using AgentHost.Tests.Http;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace AgentHost.Tests.Browser;

/// <summary>Answers on the chat page are markdown: rendered, sanitised, with copy buttons on code, and cheap to stream.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ChatPageMarkdownTests(BrowserSession session, ITestOutputHelper output) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task An_answer_with_a_code_block_and_a_list_is_rendered_with_a_copy_button()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        var code = "def greet(name):\n    return f\"hello {name}\"  # " + string.Concat(Enumerable.Repeat("a long line scrolls sideways, it does not wrap; ", 5)).TrimEnd();
        gateway.Ollama.Faults.Answer = _ => "Here is **python**:\n\n```python\n" + code + "\n```\n\nIt does three things:\n\n- takes a `name`\n- formats it\n- returns *the greeting*\n";
        var errors = new List<string>();
        var (page, requests) = await OpenAsync(gateway, clipboard: true, consoleErrors: errors);

        await ChatPageTests.SendAsync(page, "show me **python** code");
        var answer = page.Locator(".msg.assistant").Last.Locator(".text");
        await Expect(answer.Locator("pre > code")).ToHaveCountAsync(1);

        // The code block: <pre><code class="language-python"> with the code as text, a language label and a copy button.
        var block = answer.Locator(".code-block");
        await Expect(block.Locator("pre > code")).ToHaveClassAsync("language-python");
        Assert.Equal(code + "\n", await block.Locator("pre > code").TextContentAsync());
        await Expect(block.Locator(".code-lang")).ToHaveTextAsync("python");
        Assert.Equal("auto", await block.Locator("pre").EvaluateAsync<string>("p => getComputedStyle(p).overflowX"));
        Assert.True(await block.Locator("pre").EvaluateAsync<bool>(
            "p => p.scrollWidth > p.clientWidth && p.closest('.msg').getBoundingClientRect().right <= document.getElementById('log').getBoundingClientRect().right"),
            "the long line scrolls inside the code block instead of widening the answer");

        // The list: a <ul> of three <li>, inline markdown rendered; no raw markdown left anywhere.
        await Expect(answer.Locator("ul > li")).ToHaveTextAsync(["takes a name", "formats it", "returns the greeting"]);
        await Expect(answer.Locator("ul > li code")).ToHaveTextAsync("name");
        await Expect(answer.Locator("ul > li em")).ToHaveTextAsync("the greeting");
        await Expect(answer.Locator("p strong")).ToHaveTextAsync("python");
        var shown = await answer.InnerTextAsync();
        Assert.DoesNotContain("```", shown);
        Assert.DoesNotContain("**", shown);
        Assert.DoesNotContain("- takes", shown);

        // The user's own message stays plain text.
        var question = page.Locator(".msg.user").Last.Locator(".text");
        await Expect(question).ToHaveTextAsync("show me **python** code");
        await Expect(question.Locator("strong")).ToHaveCountAsync(0);

        // Copy puts exactly the code on the clipboard and says so on the button.
        var copy = block.Locator("button.copy");
        await Expect(copy).ToHaveTextAsync("Copy");
        await copy.ClickAsync();
        await Expect(copy).ToHaveTextAsync("Copied");
        Assert.Equal(code + "\n", await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await Expect(copy).ToHaveTextAsync("Copy");

        // The badge and the kept history are as before; everything the page loaded came from the host.
        await Expect(page.Locator(".msg.assistant").Last.Locator(".badge")).ToContainTextAsync("Ollama");
        var loaded = Snapshot(requests);
        Assert.All(loaded, r => Assert.StartsWith(gateway.BaseAddress.ToString(), r));
        Assert.Contains(loaded, r => r.EndsWith("vendor/marked/marked.umd.js", StringComparison.Ordinal));
        Assert.Contains(loaded, r => r.EndsWith("vendor/dompurify/purify.min.js", StringComparison.Ordinal));
        Assert.Empty(Snapshot(errors)); // nothing failed to load or was refused by the page's content security policy
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = "/tmp/agent-host-chat-markdown.png", FullPage = true });
    }

    [Fact]
    public async Task Html_and_script_in_an_answer_never_run_and_links_are_safe()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        gateway.Ollama.Faults.Answer = _ => string.Join("\n\n",
            "Look: <img src=x onerror=\"window.__pwned=1\"> inline.",
            "<script>window.__pwned=2</script>",
            "<div onmouseover=\"window.__pwned=3\"><iframe src=\"javascript:window.__pwned=4\"></iframe></div>",
            "[x](javascript:alert(1)) and <a href=\"javascript:window.__pwned=5\">raw</a> and [ok](https://example.invalid/page)",
            "![tracker](http://127.0.0.1:9/pixel.png)");
        var (page, requests) = await OpenAsync(gateway);

        await ChatPageTests.SendAsync(page, "be naughty");
        var answer = page.Locator(".msg.assistant").Last.Locator(".text");
        await Expect(answer).ToContainTextAsync("tracker");
        await Expect(page.Locator(".msg.pending")).ToHaveCountAsync(0);

        // Raw HTML from the model shows as text; none of it becomes elements.
        await Expect(answer).ToContainTextAsync("<img src=x onerror=\"window.__pwned=1\">");
        await Expect(answer).ToContainTextAsync("<script>window.__pwned=2</script>");
        foreach (var tag in new[] { "img", "script", "iframe", "div", "style" })
        {
            await Expect(answer.Locator(tag)).ToHaveCountAsync(0);
        }

        Assert.Equal(0, await answer.EvaluateAsync<int>("t => t.querySelectorAll('[onerror],[onmouseover],[onclick],[style]').length"));
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__pwned"));

        // Links: no javascript: href survives; the rest open in a new tab without opener or referrer.
        var links = (await answer.Locator("a").EvaluateAllAsync<string[][]>("as => as.map(a => [a.textContent, a.getAttribute('href') || '', a.rel, a.target])"))
            .Select(a => (Text: a[0], Href: a[1], Rel: a[2], Target: a[3])).ToList();
        Assert.All(links, l => Assert.DoesNotContain("javascript:", l.Href, StringComparison.OrdinalIgnoreCase));
        Assert.Contains(links, l => l is { Text: "x", Href: "" });
        Assert.Contains(("ok", "https://example.invalid/page", "noopener noreferrer", "_blank"), links);

        // A markdown image becomes a link: the model never makes the page fetch anything.
        Assert.Contains(("tracker", "http://127.0.0.1:9/pixel.png", "noopener noreferrer", "_blank"), links);
        Assert.All(Snapshot(requests), r => Assert.StartsWith(gateway.BaseAddress.ToString(), r));
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__pwned"));
    }

    [Fact]
    public async Task A_long_streamed_answer_arrives_whole_with_at_most_one_render_per_frame()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        var text = LongAnswer(out var items);
        var chunks = text.Count(c => c == ' ') + 1; // the emulator sends one word per chunk
        gateway.Ollama.Faults.Answer = _ => text;
        gateway.Ollama.WordsPerChunk = 1;
        var (page, _) = await OpenAsync(gateway);

        // Count animation frames beside the page's renders: a render outside a frame is only the final one.
        await page.EvaluateAsync("""
            () => { window.__agentHostRenders = 0; window.__frames = 0;
                    const tick = () => { window.__frames++; requestAnimationFrame(tick); }; requestAnimationFrame(tick); }
            """);
        await ChatPageTests.SendAsync(page, "write a lot");
        var answer = page.Locator(".msg.assistant").Last.Locator(".text");
        await Expect(page.Locator(".msg.pending")).ToHaveCountAsync(0, new() { Timeout = 60_000 });

        // The page answers at once after the stream (it was never stuck rendering).
        Assert.Equal(2, await page.EvaluateAsync<int>("() => 1 + 1").WaitAsync(TimeSpan.FromSeconds(5)));

        // Whole: every list item is there, the last one last, and no error.
        await Expect(answer.Locator("li")).ToHaveCountAsync(items);
        await Expect(answer.Locator("li").Last).ToContainTextAsync($"line {items - 1:D4}");
        await Expect(answer.Locator("pre > code")).ToHaveCountAsync(1);
        await Expect(page.Locator(".msg.assistant .error")).ToHaveCountAsync(0);

        var renders = await page.EvaluateAsync<int>("() => window.__agentHostRenders");
        var frames = await page.EvaluateAsync<int>("() => window.__frames");
        output.WriteLine($"{text.Length} characters in {chunks} chunks: {renders} renders, {frames} animation frames");
        Assert.True(renders >= 1 && renders <= frames + 1, $"{renders} renders in {frames} frames");
        Assert.True(renders * 10 < chunks, $"{renders} renders for {chunks} chunks");

        // The answer kept in the history is the streamed text, character for character.
        gateway.Ollama.Faults.Answer = _ => "you are welcome";
        await ChatPageTests.SendAsync(page, "thanks");
        await Expect(page.Locator(".msg.assistant").Last.Locator(".text")).ToHaveTextAsync("you are welcome");
        var sent = JsonDocument.Parse(gateway.Ollama.Requests.Last(r => r.PathAndQuery == "/api/chat").Body).RootElement.GetProperty("messages");
        var kept = sent.EnumerateArray().Single(m => m.GetProperty("role").GetString() == "assistant").GetProperty("content").GetString();
        Assert.Equal(text.Length, kept!.Length);
        Assert.Equal(text, kept);
    }

    /// <summary>About 20,000 characters of markdown: a heading, a code block, then a long list.</summary>
    private static string LongAnswer(out int items)
    {
        var text = new StringBuilder("## A long answer\n\nFirst some code:\n\n```csharp\nforeach (var line in lines)\n{\n    Console.WriteLine(line);\n}\n```\n\nThen the list:\n\n");
        items = 0;
        while (text.Length < 20_000)
        {
            text.Append($"- line {items++:D4}: the **quick** brown fox jumps over the lazy dog and keeps on running\n");
        }

        return text.ToString();
    }

    private static List<string> Snapshot(List<string> requests)
    {
        lock (requests)
        {
            return [.. requests];
        }
    }

    /// <summary>A fresh page on the host, with every URL it requests recorded.</summary>
    private async Task<(IPage Page, List<string> Requests)> OpenAsync(TestGateway gateway, bool clipboard = false, List<string>? consoleErrors = null)
    {
        var context = await session.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 800 } });
        if (clipboard)
        {
            await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = gateway.BaseAddress.GetLeftPart(UriPartial.Authority) });
        }

        var page = await context.NewPageAsync();
        var requests = new List<string>();
        page.Request += (_, r) => { lock (requests) { requests.Add(r.Url); } };
        if (consoleErrors is not null)
        {
            page.Console += (_, m) => { if (m.Type == "error") { lock (consoleErrors) { consoleErrors.Add(m.Text); } } };
            page.PageError += (_, e) => { lock (consoleErrors) { consoleErrors.Add(e); } };
        }

        await page.GotoAsync(gateway.BaseAddress.ToString());
        return (page, requests);
    }
}
