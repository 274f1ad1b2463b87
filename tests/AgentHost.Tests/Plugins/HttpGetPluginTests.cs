using System.Net;
using AgentHost.Plugins;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;

namespace AgentHost.Tests.Plugins;

/// <summary>
/// The <c>http</c> plugin against a real server on loopback: allow-listed GETs work; another host, a redirect to
/// another host, a body over the cap, binary content and a hang are each refused with a reason a person can act on.
/// The allow-list names 127.0.0.1; the same server reached as <c>localhost</c> counts as another host.
/// </summary>
public sealed class HttpGetPluginTests : IAsyncLifetime
{
    private WebApplication? _server;
    private Uri _base = new("http://127.0.0.1/");
    private int _hits;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Use(async (c, next) => { Interlocked.Increment(ref _hits); await next(c); });
        app.MapGet("/text", () => Results.Text("hello from the server", "text/plain"));
        app.MapGet("/json", () => Results.Json(new { answer = 42 }));
        app.MapGet("/big", () => Results.Text(new string('x', 5000), "text/plain"));
        app.MapGet("/image", () => Results.Bytes([0x89, 0x50, 0x4E, 0x47, 0, 0], "image/png"));
        app.MapGet("/missing", () => Results.Text("no such page", "text/plain", statusCode: 404));
        app.MapGet("/redirect-in", () => Results.Redirect("/text"));
        app.MapGet("/redirect-out", (HttpContext c) => Results.Redirect($"http://localhost:{c.Connection.LocalPort}/text"));
        app.MapGet("/redirect-file", () => Results.Redirect("file:///etc/passwd"));
        app.MapGet("/loop", () => Results.Redirect("/loop"));
        app.MapGet("/hang", async (HttpContext c) => await Task.Delay(Timeout.Infinite, c.RequestAborted));
        await app.StartAsync();
        _server = app;
        _base = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.StopAsync();
            await _server.DisposeAsync();
        }
    }

    // The plugin as the host registers it: through AddAgentHostPlugins, configuration and IHttpClientFactory.
    private (KernelFunction Get, ServiceProvider Provider) Plugin(int maxBytes = 1000, string timeout = "00:00:05", params string[] allowed)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AgentHost:Plugins:Http:MaxResponseBytes"] = maxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AgentHost:Plugins:Http:Timeout"] = timeout,
        };
        var hosts = allowed.Length == 0 ? ["127.0.0.1"] : allowed;
        for (var i = 0; i < hosts.Length; i++)
        {
            settings[$"AgentHost:Plugins:Http:AllowedHosts:{i}"] = hosts[i];
        }

        var services = new ServiceCollection().AddLogging();
        services.AddAgentHostPlugins(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        var provider = services.BuildServiceProvider();
        var plugin = provider.GetServices<KernelPlugin>().Single(p => p.Name == "http");
        return (plugin["get"], provider);
    }

    private async Task<string> GetAsync(string url, int maxBytes = 1000, string timeout = "00:00:05", params string[] allowed)
    {
        var (get, provider) = Plugin(maxBytes, timeout, allowed);
        await using (provider)
        {
            var result = await get.InvokeAsync(new Kernel(provider), new KernelArguments { ["url"] = url });
            return result.GetValue<string>()!;
        }
    }

    private async Task<Exception> FailAsync(string url, int maxBytes = 1000, string timeout = "00:00:05", params string[] allowed)
    {
        var (get, provider) = Plugin(maxBytes, timeout, allowed);
        await using (provider)
        {
            return await Assert.ThrowsAnyAsync<Exception>(() => get.InvokeAsync(new Kernel(provider), new KernelArguments { ["url"] = url }));
        }
    }

    [Fact]
    public async Task An_allowed_host_is_fetched_with_its_status_line()
    {
        var text = await GetAsync(new Uri(_base, "text").ToString());
        Assert.Equal($"HTTP 200 OK from {new Uri(_base, "text")}\n\nhello from the server", text);
        Assert.EndsWith("{\"answer\":42}", await GetAsync(new Uri(_base, "json").ToString()));
        Assert.StartsWith("HTTP 404 Not Found", await GetAsync(new Uri(_base, "missing").ToString()));
    }

    [Fact]
    public async Task A_host_not_on_the_allow_list_is_refused_without_a_request()
    {
        var e = await FailAsync($"http://localhost:{_base.Port}/text");

        Assert.IsType<PluginRefusalException>(e);
        Assert.Contains("Refused: host 'localhost' is not on the allow-list", e.Message);
        Assert.Contains("allowed: 127.0.0.1", e.Message);
        Assert.Equal(0, _hits);
    }

    [Fact]
    public async Task A_redirect_to_an_allowed_host_is_followed()
    {
        var text = await GetAsync(new Uri(_base, "redirect-in").ToString());
        Assert.Equal($"HTTP 200 OK from {new Uri(_base, "text")}\n\nhello from the server", text);
    }

    [Fact]
    public async Task A_redirect_to_a_host_not_allowed_is_refused_and_not_followed()
    {
        var e = await FailAsync(new Uri(_base, "redirect-out").ToString());

        Assert.IsType<PluginRefusalException>(e);
        Assert.Contains("redirected to host 'localhost', which is not on the allow-list", e.Message);
        Assert.Equal(1, _hits); // the redirect itself; /text was never requested
    }

    [Fact]
    public async Task Redirects_to_other_schemes_and_endless_redirects_are_refused()
    {
        Assert.Contains("not an http:// or https:// URL; not followed", (await FailAsync(new Uri(_base, "redirect-file").ToString())).Message);
        Assert.Contains("was redirected more than 5 times", (await FailAsync(new Uri(_base, "loop").ToString())).Message);
        Assert.Equal(1 + 6, _hits);
    }

    [Fact]
    public async Task A_body_over_the_size_cap_is_cut_and_says_so()
    {
        var text = await GetAsync(new Uri(_base, "big").ToString(), maxBytes: 100);

        var body = text.Split("\n\n", 2)[1];
        Assert.StartsWith(new string('x', 100) + "\n[... cut:", body);
        Assert.EndsWith("the body is 5000 bytes; only the first 100 bytes are shown]", body);
    }

    [Fact]
    public async Task Binary_content_is_refused()
    {
        var e = await FailAsync(new Uri(_base, "image").ToString());
        Assert.Contains("returned 'image/png', which is not text", e.Message);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_times_out_with_the_setting_named()
    {
        var e = await FailAsync(new Uri(_base, "hang").ToString(), timeout: "00:00:00.300");

        Assert.IsType<TimeoutException>(e);
        Assert.Contains("did not complete within 0.3 s (AgentHost:Plugins:Http:Timeout)", e.Message);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/file", "is not an absolute http:// or https:// URL")]
    [InlineData("/text", "is not an absolute http:// or https:// URL")]
    [InlineData("http://127.0.0.1.evil.example/text", "host '127.0.0.1.evil.example' is not on the allow-list")]
    [InlineData("http://127.0.0.1@evil.example/text", "host 'evil.example' is not on the allow-list")]
    public async Task Urls_that_are_not_plain_http_to_an_allowed_host_are_refused(string url, string reason)
    {
        var e = await FailAsync(url);
        Assert.Contains(reason, e.Message);
        Assert.Equal(0, _hits);
    }

    [Fact]
    public async Task An_entry_with_a_port_allows_only_that_port()
    {
        Assert.StartsWith("HTTP 200", await GetAsync(new Uri(_base, "text").ToString(), allowed: [$"127.0.0.1:{_base.Port}"]));
        Assert.Contains("not on the allow-list", (await FailAsync(new Uri(_base, "text").ToString(), allowed: ["127.0.0.1:1"])).Message);
    }

    [Theory]
    [InlineData("https://api.example.com/x", true)]
    [InlineData("https://a.b.example.com/x", true)]
    [InlineData("https://EXAMPLE.org/x", true)]
    [InlineData("https://example.com/x", false)]
    [InlineData("https://evilexample.com/x", false)]
    [InlineData("https://example.org.evil.net/x", false)]
    public void Wildcard_entries_allow_subdomains_only(string url, bool allowed)
    {
        var plugin = new HttpGetPlugin(null!, new HttpPluginOptions { AllowedHosts = ["*.example.com", "example.org"] }, TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<HttpGetPlugin>.Instance);
        Assert.Equal(allowed, plugin.IsAllowed(new Uri(url)));
    }

    [Fact]
    public async Task With_no_allowed_hosts_every_request_is_refused()
    {
        var plugin = new HttpGetPlugin(null!, new HttpPluginOptions(), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<HttpGetPlugin>.Instance);
        var e = await Assert.ThrowsAsync<PluginRefusalException>(() => plugin.GetAsync(new Uri(_base, "text").ToString()));
        Assert.Contains("no host is allowed", e.Message);
        Assert.Equal(0, _hits);
    }
}
