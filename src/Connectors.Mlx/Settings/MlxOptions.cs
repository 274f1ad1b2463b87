using System.ComponentModel.DataAnnotations;
using AgentHost.Backends;

namespace AgentHost.Connectors.Mlx;

/// <summary>
/// Options of the MLX connector, bound from <c>AgentHost:Backends:Mlx</c>. Defaults describe the MLX API Server on
/// <c>http://localhost:11435</c>, speaking <see cref="MlxProtocol.Generate"/>.
/// </summary>
public sealed class MlxOptions : BackendOptions
{
    /// <summary>The categories the MLX API Server understands in its <c>category</c> field.</summary>
    public static IReadOnlyList<string> KnownCategories { get; } = ["reasoning", "coding", "code", "fast", "tiny", "default"];

    /// <summary>The default request timeout: generation of a long answer on a large model can take minutes.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromMinutes(10);

    private MlxProtocol _protocol = MlxProtocol.Generate;

    /// <summary>Creates options with the MLX API Server's defaults.</summary>
    public MlxOptions()
    {
        Endpoint = "http://localhost:11435";
        Capabilities = new BackendCapabilities { SupportsTools = false, SupportsTokenStreaming = false, SupportsSystemPrompt = true };
    }

    /// <summary>
    /// The protocol to speak. Setting it also sets <see cref="BackendCapabilities.SupportsTokenStreaming"/> to the
    /// protocol's honest default (false for <see cref="MlxProtocol.Generate"/> and <see cref="MlxProtocol.Chat"/>, whose
    /// server generates the whole answer before streaming it; true for <see cref="MlxProtocol.OpenAI"/>); set
    /// <see cref="BackendOptions.Capabilities"/> afterwards to override it.
    /// </summary>
    public MlxProtocol Protocol
    {
        get => _protocol;
        set
        {
            _protocol = value;
            Capabilities.SupportsTokenStreaming = value == MlxProtocol.OpenAI;
        }
    }

    /// <summary>The model category to ask for (<c>reasoning</c>, <c>coding</c>, <c>code</c>, <c>fast</c>, <c>tiny</c>, <c>default</c>); none when null.</summary>
    public string? Category { get; set; }

    /// <summary>When set, sent as the <c>X-Request-Priority</c> header.</summary>
    public MlxRequestPriority? Priority { get; set; }

    /// <summary>The most tokens to generate when a request does not say (the server's own default is 512).</summary>
    public int MaxTokens { get; set; } = 512;

    /// <summary>
    /// Embeddings through an OpenAI-shaped route, for builds or servers that have one (the MLX API Server's public source
    /// has none): off unless <see cref="MlxEmbeddingOptions.Path"/> is set, e.g. <c>AgentHost:Backends:Mlx:Embeddings:Path=/v1/embeddings</c>.
    /// </summary>
    public MlxEmbeddingOptions Embeddings { get; set; } = new();

    /// <summary>How long the health check waits for <c>/health</c> before calling the server unusable.</summary>
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(5);

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

        if (!Enum.IsDefined(Protocol))
        {
            yield return new ValidationResult($"Protocol '{Protocol}' is not one of {string.Join(", ", Enum.GetNames<MlxProtocol>())}.", [nameof(Protocol)]);
        }

        if (Priority is { } priority && !Enum.IsDefined(priority))
        {
            yield return new ValidationResult($"Priority '{priority}' is not one of {string.Join(", ", Enum.GetNames<MlxRequestPriority>())}.", [nameof(Priority)]);
        }

        if (Category is not null && !IsKnownCategory(Category))
        {
            yield return new ValidationResult($"Category '{Category}' is not one of {string.Join(", ", KnownCategories)}.", [nameof(Category)]);
        }

        if (MaxTokens <= 0)
        {
            yield return new ValidationResult($"MaxTokens must be positive (was {MaxTokens}).", [nameof(MaxTokens)]);
        }

        if (HealthTimeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"HealthTimeout must be positive (was {HealthTimeout}).", [nameof(HealthTimeout)]);
        }
    }

    internal static bool IsKnownCategory(string category) => KnownCategories.Contains(category, StringComparer.OrdinalIgnoreCase);
}
