using AgentHost.Connectors.Mlx;
using AgentHost.Connectors.Ollama;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Emulators.Servers;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace AgentHost.Fallback.Redis.Tests;

/// <summary>
/// One real redis-server, the MLX and Ollama emulators, and replicas: each its own container, connection, chain and
/// breakers (order Mlx, Ollama; a 2-failure breaker with a short break), sharing state under one key prefix.
/// </summary>
public sealed class Fleet : IAsyncDisposable
{
    public static readonly TimeSpan Break = TimeSpan.FromSeconds(2);

    private readonly List<(ServiceProvider Provider, ConnectionMultiplexer Redis)> _replicas = [];

    private Fleet(RedisServer redis) => Redis = redis;

    public RedisServer Redis { get; }

    public MlxEmulator Mlx { get; } = new();

    public OllamaEmulator Ollama { get; } = new();

    public string Prefix { get; } = $"test-{Guid.NewGuid():N}:"[..14];

    public static async Task<Fleet> StartAsync()
    {
        var fleet = new Fleet(await RedisServer.StartNewAsync());
        await Task.WhenAll(fleet.Mlx.StartAsync(), fleet.Ollama.StartAsync());
        return fleet;
    }

    /// <summary>A replica: its own connection (fails fast while Redis is away, as the host's does) and chain.</summary>
    public async Task<FallbackChatClient> ReplicaAsync()
    {
        var options = ConfigurationOptions.Parse(Redis.ConnectionString);
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ConnectTimeout = 1000;
        options.ReconnectRetryPolicy = new LinearRetry(200);
        var redis = await ConnectionMultiplexer.ConnectAsync(options);
        var provider = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConnectionMultiplexer>(redis)
            .AddFallbackRedisState(o =>
            {
                o.KeyPrefix = Prefix;
                o.RecheckInterval = TimeSpan.FromMilliseconds(200);
            })
            .AddMlxChatCompletion(o => o.Endpoint = Mlx.BaseAddress.ToString())
            .AddOllamaChatClient(o => o.Endpoint = Ollama.BaseAddress.ToString())
            .AddFallbackChatClient(o =>
            {
                o.Order = ["Mlx", "Ollama"];
                o.Resilience.MaxRetryAttempts = 0;
                o.Resilience.BreakerMinimumThroughput = 2;
                o.Resilience.BreakerBreakDuration = Break;
                o.Resilience.AttemptTimeout = TimeSpan.FromSeconds(10);
                o.Health.ProbeInterval = TimeSpan.Zero;
            })
            .BuildServiceProvider();
        _replicas.Add((provider, redis));
        return provider.GetRequiredService<FallbackChatClient>();
    }

    /// <summary>Whether every replica's connection is up.</summary>
    public bool AllConnected => _replicas.All(r => r.Redis.IsConnected);

    /// <summary>Polls <paramref name="condition"/> until it holds, failing with <paramref name="what"/> after <paramref name="within"/> (default 10 s).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? within = null)
    {
        using var deadline = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (provider, redis) in _replicas)
        {
            await provider.DisposeAsync();
            await redis.DisposeAsync();
        }

        await Task.WhenAll(Mlx.DisposeAsync().AsTask(), Ollama.DisposeAsync().AsTask(), Redis.DisposeAsync().AsTask());
    }
}
