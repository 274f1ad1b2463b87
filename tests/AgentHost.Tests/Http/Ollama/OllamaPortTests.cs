using System.Net;
using System.Net.Sockets;
using AgentHost.Emulators.Ollama;
using AgentHost.Http;
using AgentHost.Tests.Cli;
using AgentHost.Tests.OllamaJs;

namespace AgentHost.Tests.Http.Ollama;

/// <summary><c>serve --ollama-port</c>: the same service on Ollama's port too, never in front of itself, never over a real Ollama.</summary>
public sealed class OllamaPortTests
{
    [Fact]
    public async Task Serve_with_an_ollama_port_answers_an_ollama_client_there_as_on_its_own_port()
    {
        await using var ollama = new OllamaEmulator();
        await ollama.StartAsync();
        var port = FreePort();
        await using var serve = await ServeProcess.StartAsync(Backends(ollama.BaseAddress.ToString()), ["--ollama-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var onOllamaPort = new Uri($"http://127.0.0.1:{port}/");

        var chat = await OllamaJsDriver.RunAsync(onOllamaPort, "chat");
        using var tags = await serve.Client.GetAsync("api/tags");

        Assert.Equal("Ollama: hello js", chat.GetProperty("content").GetString());
        Assert.Equal(HttpStatusCode.OK, tags.StatusCode);
        Assert.Contains(serve.StdErr, l => l.Contains($"Now listening on: http://127.0.0.1:{port}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_backend_at_the_hosts_own_address_is_refused_at_start_with_one_line()
    {
        var port = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var result = await HostProcess.RunAsync(["serve", "--urls", "http://127.0.0.1:0", "--ollama-port", port], Backends($"http://localhost:{port}"));

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("AgentHost:Backends:Ollama", line);
        Assert.Contains("the chain would call itself", line);
    }

    [Fact]
    public async Task An_ollama_port_a_real_ollama_holds_is_refused_naming_it()
    {
        await using var realOllama = new OllamaEmulator();
        await realOllama.StartAsync();
        await using var backend = new OllamaEmulator();
        await backend.StartAsync();

        var result = await HostProcess.RunAsync(["serve", "--urls", "http://127.0.0.1:0", "--ollama-port", realOllama.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            Backends(backend.BaseAddress.ToString()));

        Assert.Equal(2, result.ExitCode);
        var last = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.StartsWith($"Cannot listen on Ollama's port {realOllama.BaseAddress.Port}: a real Ollama (", last);
    }

    [Theory]
    [InlineData("http://localhost:11434", "http://127.0.0.1:11434", true)]
    [InlineData("http://127.0.0.1:11434/", "http://localhost:11434", true)]
    [InlineData("http://localhost:11434", "http://0.0.0.0:11434", true)]
    [InlineData("http://[::1]:11434", "http://127.0.0.1:11434", true)]
    [InlineData("http://myhost.lan:8080", "http://myhost.lan:8080", true)]
    [InlineData("http://localhost:11434", "http://127.0.0.1:8080", false)]
    [InlineData("http://ollama.lan:11434", "http://127.0.0.1:11434", false)]
    [InlineData("http://localhost:11434", "http://127.0.0.1:0", false)]
    public void A_backend_endpoint_is_the_hosts_own_address_when_a_request_to_it_would_reach_a_listener(string endpoint, string listen, bool same) =>
        Assert.Equal(same, SelfCallCheck.IsSameAddress(new Uri(endpoint), listen));

    [Theory]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:11434")]
    [InlineData("http://127.0.0.1:0", "http://127.0.0.1:11434")]
    [InlineData("http://[::1]:8080", "http://[::1]:11434")]
    [InlineData("http://0.0.0.0:8080/", "http://0.0.0.0:11434/")]
    [InlineData("http://localhost", "http://localhost:11434")]
    public void The_ollama_port_listens_on_the_same_addresses(string url, string expected) =>
        Assert.Equal(expected, HttpServiceOptions.WithPort(url, 11434));

    private static Dictionary<string, string> Backends(string ollamaEndpoint) => new()
    {
        ["AgentHost__Backends__Ollama__Endpoint"] = ollamaEndpoint,
        ["AgentHost__Backends__Mlx__Enabled"] = "false",
        ["AgentHost__Backends__Victoria__Enabled"] = "false",
        ["AgentHost__Backends__Embedded__Enabled"] = "false",
    };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
