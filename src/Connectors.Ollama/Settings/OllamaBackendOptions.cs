using System.ComponentModel.DataAnnotations;
using System.Globalization;
using AgentHost.Backends;

namespace AgentHost.Connectors.Ollama;

/// <summary>
/// Settings of the Ollama backend, bound from <c>AgentHost:Backends:Ollama</c> (DESIGN §5).
/// Defaults: endpoint <c>http://localhost:11434</c>, model <c>llama3.2</c>, tools and token streaming supported,
/// context window unknown unless configured.
/// </summary>
public sealed class OllamaBackendOptions : BackendOptions
{
    /// <summary>The address real Ollama listens on by default.</summary>
    public const string DefaultEndpoint = "http://localhost:11434";

    /// <summary>The model asked for when a request names none.</summary>
    public const string DefaultModel = "llama3.2";

    /// <summary>Creates the options with Ollama's defaults.</summary>
    public OllamaBackendOptions()
    {
        Endpoint = DefaultEndpoint;
        Model = DefaultModel;
        Capabilities = new BackendCapabilities
        {
            SupportsTools = true,
            SupportsTokenStreaming = true,
            SupportsSystemPrompt = true,
            ContextWindow = null,
        };
    }

    /// <summary>
    /// How long Ollama keeps the model loaded after a request (sent as <c>keep_alive</c>); a negative value keeps it
    /// loaded indefinitely, zero unloads it at once. <see langword="null"/> leaves Ollama's default (5 minutes).
    /// </summary>
    public TimeSpan? KeepAlive { get; set; }

    /// <summary>The model <c>/api/embed</c> is asked for when an embedding call names none (default <c>nomic-embed-text</c>).</summary>
    public string EmbeddingModel { get; set; } = DefaultEmbeddingModel;

    /// <summary>The embedding model asked for by default.</summary>
    public const string DefaultEmbeddingModel = "nomic-embed-text";

    /// <summary>Whether the host should preload <see cref="BackendOptions.Model"/> when it starts (see <see cref="OllamaModelWarmer"/>).</summary>
    public bool WarmUpOnStart { get; set; }

    /// <summary>How long the health probe waits for <c>GET /</c> before calling the backend down.</summary>
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><see cref="KeepAlive"/> in the form Ollama parses (a Go duration such as <c>300s</c>), or null.</summary>
    public string? KeepAliveWireValue => KeepAlive switch
    {
        null => null,
        { } t when t < TimeSpan.Zero => "-1s",
        { } t => ((long)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s",
    };

    /// <inheritdoc />
    public override IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var result in base.Validate(validationContext))
        {
            yield return result;
        }

        if (!Enabled)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            yield return new ValidationResult("Model is required (an Ollama model name such as 'llama3.2').", [nameof(Model)]);
        }

        if (HealthTimeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"HealthTimeout must be positive (was {HealthTimeout}).", [nameof(HealthTimeout)]);
        }
    }
}
