using System.Text.Json;
using AgentHost.Tests.Http;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AgentHost.Tests.Browser;

/// <summary>The chat page's stored conversations: the sidebar lists them, a reload resumes the current one, a click resumes another, × deletes.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ConversationSidebarTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task A_reload_resumes_the_stored_conversation_and_the_next_turn_sends_its_history()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama", "Mlx"]);
        var page = await OpenAsync(gateway);

        await ChatPageTests.SendAsync(page, "plan a picnic");
        await Expect(page.Locator(".msg.assistant").Nth(0).Locator(".text")).ToHaveTextAsync("Ollama: plan a picnic");
        await Expect(page.Locator("#conversations .conversation .title")).ToHaveTextAsync(["plan a picnic"]);

        // A stream cut after it began: stored as interrupted, shown after the reload, never sent back to the model.
        gateway.Ollama.Faults.Answer = _ => "one two three four five six seven eight";
        gateway.Ollama.InBandErrorAfterChunks = 2;
        await ChatPageTests.SendAsync(page, "count for me");
        await Expect(page.Locator(".msg.assistant").Nth(1).Locator(".error")).ToContainTextAsync("broke off (Ollama)");
        gateway.Ollama.InBandErrorAfterChunks = null;
        gateway.Ollama.Faults.Reset();

        await page.ReloadAsync();

        await Expect(page.Locator(".msg.user .text")).ToHaveTextAsync(["plan a picnic", "count for me"]);
        await Expect(page.Locator(".msg.assistant").Nth(0).Locator(".text")).ToHaveTextAsync("Ollama: plan a picnic");
        await Expect(page.Locator(".msg.assistant").Nth(0).Locator(".badge")).ToContainTextAsync("Ollama");
        await Expect(page.Locator(".msg.assistant").Nth(1).Locator(".text")).ToHaveTextAsync("one two three four ");
        await Expect(page.Locator(".msg.assistant").Nth(1).Locator(".error")).ToContainTextAsync("cut off");
        await Expect(page.Locator("#conversations .conversation.current .title")).ToHaveTextAsync("plan a picnic");

        await ChatPageTests.SendAsync(page, "what should I bring?");
        await Expect(page.Locator(".msg.assistant").Nth(2).Locator(".text")).ToHaveTextAsync("Ollama: what should I bring?");
        var sent = JsonDocument.Parse(gateway.Ollama.Requests.Last(r => r.PathAndQuery == "/api/chat").Body).RootElement.GetProperty("messages")
            .EnumerateArray().Select(m => m.GetProperty("content").GetString()).ToList();
        Assert.Equal(["plan a picnic", "Ollama: plan a picnic", "what should I bring?"], sent);
        var id = await page.EvaluateAsync<string>("() => localStorage.getItem('agentHostConversation')");
        var stored = (await ConversationsHttp.GetAsync(gateway.Client, id))!.Value;
        Assert.Equal(3, stored.GetProperty("messages").GetArrayLength() / 2);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = "/tmp/agent-host-chat-resumed.png", FullPage = true });
    }

    [Fact]
    public async Task New_chat_starts_another_conversation_a_click_resumes_one_and_delete_removes_it()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        var page = await OpenAsync(gateway);
        await ChatPageTests.SendAsync(page, "first topic");
        await Expect(page.Locator(".msg.assistant").Last.Locator(".text")).ToHaveTextAsync("Ollama: first topic");

        await page.Locator("#new-chat").ClickAsync();
        await Expect(page.Locator(".msg")).ToHaveCountAsync(0);
        await ChatPageTests.SendAsync(page, "second topic");
        await Expect(page.Locator(".msg.assistant").Last.Locator(".text")).ToHaveTextAsync("Ollama: second topic");

        // Newest first; the current one is marked.
        var titles = page.Locator("#conversations .conversation .title");
        await Expect(titles).ToHaveTextAsync(["second topic", "first topic"]);
        await Expect(page.Locator("#conversations .conversation.current .title")).ToHaveTextAsync("second topic");

        await page.Locator("#conversations .conversation", new() { HasText = "first topic" }).Locator("button.open").ClickAsync();
        await Expect(page.Locator(".msg.user .text")).ToHaveTextAsync(["first topic"]);
        await Expect(page.Locator(".msg.assistant .text")).ToHaveTextAsync(["Ollama: first topic"]);
        await Expect(page.Locator("#conversations .conversation.current .title")).ToHaveTextAsync("first topic");

        await page.Locator("#conversations .conversation", new() { HasText = "second topic" }).Locator("button.delete").ClickAsync();
        await Expect(titles).ToHaveTextAsync(["first topic"]);
        using var list = JsonDocument.Parse(await gateway.Client.GetStringAsync("v1/conversations"));
        Assert.Equal(["first topic"], list.RootElement.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("title").GetString()));

        // Deleting the open conversation starts a fresh one.
        await page.Locator("#conversations .conversation", new() { HasText = "first topic" }).Locator("button.delete").ClickAsync();
        await Expect(titles).ToHaveCountAsync(0);
        await Expect(page.Locator(".msg")).ToHaveCountAsync(0);
        await Expect(page.Locator("#conversations-note")).ToHaveTextAsync("No stored conversations yet.");
    }

    private async Task<IPage> OpenAsync(TestGateway gateway)
    {
        var context = await session.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 800 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(gateway.BaseAddress.ToString());
        return page;
    }
}
