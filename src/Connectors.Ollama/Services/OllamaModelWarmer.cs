using System.Diagnostics;
using AgentHost.Backends;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OllamaSharp.Models.Chat;

namespace AgentHost.Connectors.Ollama;

/// <summary>
/// Preloads a model: a <c>POST /api/chat</c> with no messages (and <c>keep_alive</c> when configured) makes Ollama
/// load it and answer <c>done_reason: "load"</c>. The host calls <see cref="WarmUpAsync"/> at start when
/// <see cref="WarmUpOnStart"/> is true; it is resolved as a keyed service under the backend's name.
/// </summary>
public sealed class OllamaModelWarmer
{
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly string _backend;
    private readonly OllamaBackendOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the warmer for the backend registered as <paramref name="backendName"/>.</summary>
    public OllamaModelWarmer(IHttpClientFactory httpClientFactory, string backendName, OllamaBackendOptions options, ILogger<OllamaModelWarmer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentException.ThrowIfNullOrWhiteSpace(backendName);
        ArgumentNullException.ThrowIfNull(options);
        _httpClientFactory = httpClientFactory;
        _backend = backendName;
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Whether the configuration asks for a warm-up at start (<see cref="OllamaBackendOptions.WarmUpOnStart"/> on an enabled backend).</summary>
    public bool WarmUpOnStart => _options.Enabled && _options.WarmUpOnStart;

    /// <summary>
    /// Loads <paramref name="model"/> (default: the configured model) into Ollama's memory. Failures surface as
    /// the connector's usual exceptions (<see cref="BackendHttpOperationException"/>, e.g. 404 for an unknown model).
    /// </summary>
    public async Task WarmUpAsync(string? model = null, CancellationToken cancellationToken = default)
    {
        var name = string.IsNullOrWhiteSpace(model) ? _options.Model : model;
        ArgumentException.ThrowIfNullOrWhiteSpace(name, nameof(model));
        var started = Stopwatch.GetTimestamp();
        var request = new ChatRequest { Model = name, Messages = [], KeepAlive = _options.KeepAliveWireValue, Stream = false };
        var client = OllamaClients.Create(_httpClientFactory, _backend, _options);
        await foreach (var _ in client.ChatAsync(request, cancellationToken).ConfigureAwait(false))
        {
        }

        OllamaLog.WarmedUp(_logger, _backend, name, request.KeepAlive ?? "default", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
}
