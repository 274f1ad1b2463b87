using System.ComponentModel.DataAnnotations;
using AgentHost.Backends;

namespace AgentHost.Connectors.Victoria;

/// <summary>
/// Settings of the Victoria connector, bound from <c>AgentHost:Backends:Victoria</c>.
/// </summary>
public sealed class VictoriaOptions : BackendOptions
{
    /// <summary>Victoria's default address.</summary>
    public const string DefaultEndpoint = "http://localhost:8010";

    /// <summary>The default limit of one HTTP request: runs of minutes are normal (Victoria's own backend waits up to 600 s).</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromMinutes(15);

    private bool _useStreamEndpoint;

    /// <summary>Creates options with Victoria's defaults: no tools, no token streaming, the system prompt honoured as a preamble.</summary>
    public VictoriaOptions()
    {
        Endpoint = DefaultEndpoint;
        // Victoria's steps can be minutes apart (its own LLM calls wait up to 600 s); its /stream progress events reset the clock.
        Capabilities = new BackendCapabilities { SupportsTools = false, SupportsTokenStreaming = false, SupportsSystemPrompt = true, LongestStreamGap = TimeSpan.FromMinutes(11) };
    }

    /// <summary>Sync (default) or async run with polling.</summary>
    public VictoriaRunMode Mode { get; set; } = VictoriaRunMode.Sync;

    /// <summary>How long to wait between two polls of <c>/run/status/{task_id}</c> in <see cref="VictoriaRunMode.Async"/> mode.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The overall limit of polling for one task; past it the call fails with a <see cref="TimeoutException"/>.</summary>
    public TimeSpan PollTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long the health probe waits for <c>GET /health</c>.</summary>
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The <c>max_steps</c> sent with every run unless the execution settings name one; null leaves Victoria's default.</summary>
    public int? MaxSteps { get; set; }

    /// <summary>
    /// The <c>project_context</c> sent with every run. Victoria replaces values outside its whitelist, so it comes from
    /// configuration only; the system message travels in the goal instead.
    /// </summary>
    public string? ProjectContext { get; set; }

    /// <summary>
    /// Stream from newer builds' <c>POST /stream</c> (SSE). When false (default), streaming callers receive the answer
    /// as one chunk once it is ready. Setting it also sets <see cref="BackendCapabilities.SupportsTokenStreaming"/>
    /// to the same value (bind or set <c>Capabilities</c> afterwards to override).
    /// </summary>
    public bool UseStreamEndpoint
    {
        get => _useStreamEndpoint;
        set
        {
            _useStreamEndpoint = value;
            Capabilities.SupportsTokenStreaming = value;
        }
    }

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

        if (PollInterval <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"PollInterval must be positive (was {PollInterval}).", [nameof(PollInterval)]);
        }

        if (PollTimeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"PollTimeout must be positive (was {PollTimeout}).", [nameof(PollTimeout)]);
        }
        else if (PollTimeout < PollInterval)
        {
            yield return new ValidationResult($"PollTimeout ({PollTimeout}) must not be shorter than PollInterval ({PollInterval}).", [nameof(PollTimeout)]);
        }

        if (HealthTimeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"HealthTimeout must be positive (was {HealthTimeout}).", [nameof(HealthTimeout)]);
        }

        if (MaxSteps is <= 0)
        {
            yield return new ValidationResult($"MaxSteps must be positive when set (was {MaxSteps}).", [nameof(MaxSteps)]);
        }
    }
}
