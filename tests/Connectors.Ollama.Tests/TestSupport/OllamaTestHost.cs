using AgentHost.Backends;
using AgentHost.Emulators.Ollama;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentHost.Connectors.Ollama.Tests.TestSupport;

/// <summary>An Ollama emulator on port 0 and a service provider with the connector registered against it.</summary>
internal sealed class OllamaTestHost : IAsyncDisposable
{
    private OllamaTestHost(OllamaEmulator emulator, ServiceProvider services)
    {
        Emulator = emulator;
        Services = services;
    }

    public OllamaEmulator Emulator { get; }

    public ServiceProvider Services { get; }

    public IChatClient Chat => Services.GetRequiredKeyedService<IChatClient>(BackendNames.Ollama);

    public static async Task<OllamaTestHost> StartAsync(Action<OllamaBackendOptions>? configure = null)
    {
        var emulator = new OllamaEmulator();
        await emulator.StartAsync();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOllamaChatClient(o =>
        {
            o.Endpoint = emulator.BaseAddress.ToString();
            configure?.Invoke(o);
        });
        return new OllamaTestHost(emulator, services.BuildServiceProvider(validateScopes: true));
    }

    /// <summary>The bodies of the <c>/api/chat</c> requests the emulator received.</summary>
    public IReadOnlyList<string> ChatBodies => Emulator.Requests.Where(r => r.PathAndQuery == "/api/chat").Select(r => r.Body).ToList();

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}

/// <summary>Answers every request with one recorded reply from <c>TestData/</c>.</summary>
internal sealed class ReplayHandler(string file, int status = 200, string contentType = "application/x-ndjson") : HttpMessageHandler
{
    public static string Path(string file) => System.IO.Path.Combine(AppContext.BaseDirectory, "TestData", file);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var content = new ByteArrayContent(File.ReadAllBytes(Path(file)));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return Task.FromResult(new HttpResponseMessage((System.Net.HttpStatusCode)status) { Content = content, RequestMessage = request });
    }
}
