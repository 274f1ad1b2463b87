using System.ComponentModel.DataAnnotations;

namespace AgentHost.Backends;

/// <summary>
/// Settings every backend shares, bound from <c>AgentHost:Backends:&lt;Name&gt;</c> (DESIGN §5).
/// Backend-specific options derive from this class.
/// </summary>
public abstract class BackendOptions : IValidatableObject
{
    /// <summary>Whether the backend takes part. A disabled backend is registered but skipped by the chain.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The base address of the server, e.g. <c>http://localhost:11435</c>.</summary>
    public string? Endpoint { get; set; }

    /// <summary>The model to ask for when a request names none.</summary>
    public string? Model { get; set; }

    /// <summary>How long one HTTP request may take before the connector gives up. Defaults per backend.</summary>
    public TimeSpan? RequestTimeout { get; set; }

    /// <summary>What the backend can serve. Each connector supplies honest defaults.</summary>
    public BackendCapabilities Capabilities { get; set; } = new();

    /// <summary>
    /// The endpoint as a URI: absolute once the options passed validation. Never throws, because validators read
    /// every property (an invalid endpoint must surface as the validation message, not as a <see cref="UriFormatException"/>).
    /// </summary>
    public Uri EndpointUri =>
        Uri.TryCreate(Endpoint, UriKind.RelativeOrAbsolute, out var uri) ? uri : new Uri("/", UriKind.Relative);

    /// <inheritdoc />
    public virtual IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(Endpoint))
        {
            yield return new ValidationResult("Endpoint is required.", [nameof(Endpoint)]);
        }
        else if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult($"Endpoint '{Endpoint}' is not an absolute http:// or https:// URL.", [nameof(Endpoint)]);
        }

        if (RequestTimeout is { } t && t <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"RequestTimeout must be positive (was {t}).", [nameof(RequestTimeout)]);
        }

        if (Capabilities.ContextWindow is <= 0)
        {
            yield return new ValidationResult("Capabilities:ContextWindow must be positive when set.", [nameof(Capabilities)]);
        }
    }
}
