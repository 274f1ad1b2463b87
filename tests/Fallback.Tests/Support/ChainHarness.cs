using AgentHost.Backends;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AgentHost.Fallback.Tests.Support;

public sealed class TestBackendOptions : BackendOptions
{
}

/// <summary>Builds a container with fake backends (descriptor + keyed client + keyed health check) and the chain.</summary>
public sealed class ChainHarness : IAsyncDisposable
{
    private readonly ServiceCollection _services = new();
    private ServiceProvider? _provider;

    public ChainHarness(TimeProvider? time = null)
    {
        Time = time;
        _services.AddLogging(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        if (time is not null)
        {
            _services.AddSingleton(time);
        }
    }

    public TimeProvider? Time { get; }

    public FakeTimeProvider? FakeTime => Time as FakeTimeProvider;

    public ListLoggerProvider Logs { get; } = new();

    public IServiceCollection Services => _services;

    public Dictionary<string, TestBackendOptions> Options { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, FakeHealthCheck> Health { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ChainHarness Backend(string name, IChatClient client, Action<TestBackendOptions>? configure = null, bool lastResort = false)
    {
        var options = new TestBackendOptions { Endpoint = $"http://{name.ToLowerInvariant()}.test", Model = name.ToLowerInvariant() + "-configured" };
        options.Capabilities.SupportsTools = true;
        configure?.Invoke(options);
        Options[name] = options;
        var health = new FakeHealthCheck();
        Health[name] = health;
        _services.AddSingleton(new BackendDescriptor(name, name + " Server", _ => options) { IsLastResort = lastResort });
        _services.AddKeyedSingleton(name, client);
        _services.AddKeyedSingleton<IHealthCheck>(name, health);
        return this;
    }

    public ChainHarness Chain(Action<FallbackOptions>? configure = null)
    {
        _services.AddFallbackChatCompletion(o =>
        {
            o.Resilience.MaxRetryAttempts = 0;
            o.Health.ProbeInterval = TimeSpan.Zero;
            configure?.Invoke(o);
        });
        return this;
    }

    public IServiceProvider Provider => _provider ??= _services.BuildServiceProvider();

    public FallbackChatClient Client => Provider.GetRequiredService<FallbackChatClient>();

    public BackendHealthMonitor Monitor => Provider.GetRequiredService<BackendHealthMonitor>();

    public async ValueTask DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }
    }
}

public sealed class FakeHealthCheck : IHealthCheck
{
    public HealthCheckResult Result { get; set; } = HealthCheckResult.Healthy();

    public Func<CancellationToken, Task<HealthCheckResult>>? Handler { get; set; }

    public int Calls;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Calls);
        return Handler?.Invoke(cancellationToken) ?? Task.FromResult(Result);
    }
}

public sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new ListLogger(this);

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._lines)
            {
                owner._lines.Add(formatter(state, exception));
            }
        }
    }
}
