using AgentHost.Connectors.Mlx;
using AgentHost.Connectors.Ollama;
using AgentHost.Connectors.Victoria;
using AgentHost.Emulators.Hosting;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Emulators.Victoria;
using Microsoft.Extensions.DependencyInjection;

namespace AgentHost.Fallback.Tests.Integration;

/// <summary>The three emulators on port 0 and a container with the three connectors and the chain over them.</summary>
public sealed class EmulatorChain : IAsyncDisposable
{
    private ServiceProvider? _provider;

    public MlxEmulator Mlx { get; } = new();

    public OllamaEmulator Ollama { get; } = new();

    public VictoriaEmulator Victoria { get; } = new();

    public ServiceCollection Services { get; } = new();

    public IServiceProvider Provider => _provider ??= Services.BuildServiceProvider();

    public FallbackChatClient Chain => Provider.GetRequiredService<FallbackChatClient>();

    public BackendEmulator Emulator(string backend) => backend switch
    {
        "Mlx" => Mlx,
        "Ollama" => Ollama,
        _ => Victoria,
    };

    public static async Task<EmulatorChain> StartAsync(IReadOnlyCollection<string>? refusing = null, Action<FallbackOptions>? configure = null, IReadOnlyList<string>? order = null)
    {
        var chain = new EmulatorChain();
        await Task.WhenAll(chain.Mlx.StartAsync(), chain.Ollama.StartAsync(), chain.Victoria.StartAsync());
        string Endpoint(string name) => refusing?.Contains(name) == true ? Loopback.RefusingAddress().ToString() : chain.Emulator(name).BaseAddress.ToString();
        chain.Services.AddLogging()
            .AddMlxChatCompletion(o => o.Endpoint = Endpoint("Mlx"))
            .AddOllamaChatClient(o => o.Endpoint = Endpoint("Ollama"))
            .AddVictoriaChatCompletion(o => o.Endpoint = Endpoint("Victoria"))
            .AddFallbackChatCompletion(o =>
            {
                o.Order = [.. order ?? ["Mlx", "Ollama", "Victoria"]];
                o.Resilience.MaxRetryAttempts = 0;
                o.Health.ProbeInterval = TimeSpan.Zero;
                configure?.Invoke(o);
            });
        return chain;
    }

    public async ValueTask DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        await Task.WhenAll(Mlx.DisposeAsync().AsTask(), Ollama.DisposeAsync().AsTask(), Victoria.DisposeAsync().AsTask());
    }
}
