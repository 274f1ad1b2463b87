using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Emulators.Victoria;
using AgentHost.Hosting;
using AgentHost.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentHost.Tests.Http;

/// <summary>
/// The host's real web app (built by <see cref="AgentHostApplication.CreateWebBuilder"/>) listening on 127.0.0.1:0 in
/// this process, in front of the three emulators, also on loopback. Tests drive it over real HTTP.
/// </summary>
public sealed class TestGateway : IAsyncDisposable
{
    private WebApplication? _app;

    private TestGateway()
    {
    }

    public MlxEmulator Mlx { get; } = new();

    public OllamaEmulator Ollama { get; } = new();

    public VictoriaEmulator Victoria { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>Every log line the host wrote.</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    /// <summary>
    /// Starts the emulators and the host. <paramref name="order"/> is the fallback order (default Mlx, Ollama, Victoria:
    /// no optional entry, so a healthy Victoria doesn't answer first); <paramref name="settings"/> adds configuration.
    /// </summary>
    public static async Task<TestGateway> StartAsync(string[]? order = null, IDictionary<string, string>? settings = null, bool startEmulators = true)
    {
        var gateway = new TestGateway();
        if (startEmulators)
        {
            await gateway.Mlx.StartAsync();
            await gateway.Ollama.StartAsync();
            await gateway.Victoria.StartAsync();
        }

        var config = new Dictionary<string, string>
        {
            ["AgentHost:Http:Urls"] = "http://127.0.0.1:0",
            ["AgentHost:Backends:Mlx:Endpoint"] = gateway.Mlx.BaseAddress.ToString(),
            ["AgentHost:Backends:Ollama:Endpoint"] = gateway.Ollama.BaseAddress.ToString(),
            ["AgentHost:Backends:Victoria:Endpoint"] = gateway.Victoria.BaseAddress.ToString(),
            ["AgentHost:Fallback:Resilience:MaxRetryAttempts"] = "0",
            ["Logging:LogLevel:AgentHost.Http"] = "Information",
            // Never the person's own models folder: a pulled model would add the Embedded backend to every order.
            ["AgentHost:Models:Path"] = Path.Combine(Path.GetTempPath(), "agent-host-tests-no-models"),
            // Never the person's own conversations: each gateway stores into a fresh temporary file (settings may name another).
            ["AgentHost:Storage:ConnectionString"] = $"Data Source={TempDatabase()}",
        };
        var entries = order ?? ["Mlx", "Ollama", "Victoria"];
        for (var i = 0; i < 4; i++)
        {
            config[$"AgentHost:Fallback:Order:{i}"] = entries[Math.Min(i, entries.Length - 1)];
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            config[key] = value;
        }

        var builder = AgentHostApplication.CreateWebBuilder([.. config.Select(kv => $"--{kv.Key}={kv.Value}")]);
        builder.Logging.AddProvider(new CapturingLoggerProvider(gateway.Logs));
        gateway._app = builder.BuildAgentHostWebApp();
        await gateway._app.StartAsync();
        var address = gateway._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        gateway.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        gateway.Client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        return gateway;
    }

    /// <summary>A fresh SQLite file path in a temporary folder of its own (not created yet).</summary>
    public static string TempDatabase() => Path.Combine(Directory.CreateTempSubdirectory("agent-host-conversations-").FullName, "conversations.db");

    /// <summary>A chat request body with one user message.</summary>
    public static string ChatBody(string text, bool stream = false, string? extra = null) =>
        $$"""{"model":"agent-host","messages":[{"role":"user","content":{{JsonSerializer.Serialize(text)}}}],"stream":{{(stream ? "true" : "false")}}{{(extra is null ? "" : "," + extra)}}}""";

    public Task<HttpResponseMessage> PostChatAsync(string body, string? apiKey = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>The <c>data:</c> payloads of an SSE body, in order (each event's data lines joined).</summary>
    public static List<string> SseData(string body) =>
        [.. body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => string.Join("\n", e.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..])))
            .Where(d => d.Length > 0)];

    /// <summary>The text of every <c>delta.content</c> in the SSE payloads, concatenated.</summary>
    public static string StreamedText(IEnumerable<string> data) => string.Concat(data.Where(d => d != "[DONE]").Select(d =>
    {
        using var json = JsonDocument.Parse(d);
        return json.RootElement.TryGetProperty("choices", out var choices) && choices.GetArrayLength() > 0
            && choices[0].GetProperty("delta").TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
            ? content.GetString()
            : "";
    }));

    /// <summary>Waits (polling, up to 10 s) until <paramref name="condition"/> holds.</summary>
    public static Task Eventually(Func<bool> condition) => Eventually(() => Task.FromResult(condition()));

    /// <inheritdoc cref="Eventually(Func{bool})"/>
    public static async Task Eventually(Func<Task<bool>> condition)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            await Task.Delay(20, cts.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await Mlx.DisposeAsync();
        await Ollama.DisposeAsync();
        await Victoria.DisposeAsync();
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception));
        }
    }
}
