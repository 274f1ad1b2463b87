using System.Net;
using System.Text.Json;
using AgentHost.Tests.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentHost.Tests.Browser;

/// <summary>
/// A web front end on another port, in a real browser: served from <c>http://localhost:PORT</c>, which is in
/// <c>AgentHost:Http:AllowedOrigins</c>, it calls the gateway through CORS; the same page from <c>http://127.0.0.1:PORT</c>
/// (another origin, not allowed) can neither read the gateway nor get a "simple" request through to a backend.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class FrontEndOriginTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    private const string Page = "<!doctype html><title>front end</title><p>a front end on another port</p>";

    [Fact]
    public async Task An_allowed_front_end_calls_the_gateway_and_another_origin_cannot()
    {
        var (frontEnd, port) = await StartFrontEndAsync();
        await using var _ = frontEnd;
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string>
        {
            ["AgentHost:Http:AllowedOrigins"] = $"http://localhost:{port}",
        });
        var context = await session.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync($"http://localhost:{port}/");
        var allowed = await page.EvaluateAsync<JsonElement>(ChatScript, new { url = gateway.BaseAddress.ToString(), text = "from the front end" });

        Assert.Equal(200, allowed.GetProperty("status").GetInt32());
        Assert.Equal("Ollama", allowed.GetProperty("backend").GetString());
        Assert.Equal("Ollama: from the front end", allowed.GetProperty("text").GetString());

        await page.GotoAsync($"http://127.0.0.1:{port}/");
        var refused = await page.EvaluateAsync<JsonElement>(ChatScript, new { url = gateway.BaseAddress.ToString(), text = "from another origin" });
        var health = await page.EvaluateAsync<string>("""
            async (url) => { try { await fetch(url + "health"); return "read"; } catch (e) { return "blocked"; } }
            """, gateway.BaseAddress.ToString());
        var simple = await page.EvaluateAsync<string>("""
            async (url) => {
              const body = JSON.stringify({ messages: [{ role: "user", content: "a simple request" }] });
              const res = await fetch(url + "v1/chat/completions", { method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body });
              return res.type;
            }
            """, gateway.BaseAddress.ToString());

        Assert.Equal("blocked", refused.GetProperty("error").GetString());
        Assert.Equal("blocked", health);
        Assert.Equal("opaque", simple);
        Assert.Equal(1, gateway.Ollama.GenerationRequests);
        Assert.DoesNotContain(gateway.Ollama.Requests, r => r.Body.Contains("from another origin", StringComparison.Ordinal)
            || r.Body.Contains("a simple request", StringComparison.Ordinal));
        Assert.Contains(gateway.Logs, l => l.Contains("403", StringComparison.Ordinal) && l.Contains($"http://127.0.0.1:{port}", StringComparison.Ordinal));
        await context.CloseAsync();
    }

    /// <summary>A JSON chat request as a front end's OpenAI client sends it (so with a preflight): its status, backend header and text, or "blocked".</summary>
    private const string ChatScript = """
        async ({ url, text }) => {
          try {
            const res = await fetch(url + "v1/chat/completions", {
              method: "POST",
              headers: { "Content-Type": "application/json", "Authorization": "Bearer unused" },
              body: JSON.stringify({ messages: [{ role: "user", content: text }] }),
            });
            const body = await res.json();
            return { status: res.status, backend: res.headers.get("x-agent-backend"), text: body.choices[0].message.content };
          } catch (e) {
            return { error: "blocked" };
          }
        }
        """;

    /// <summary>A static page on 127.0.0.1 and a free port: reached as <c>localhost</c> and as <c>127.0.0.1</c>, two origins.</summary>
    private static async Task<(WebApplication App, int Port)> StartFrontEndAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/", () => Results.Content(Page, "text/html"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address).Port);
    }
}
