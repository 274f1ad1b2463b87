namespace AgentHost.Fallback;

/// <summary>
/// Settings of the fallback chain, bound from <c>AgentHost:Fallback</c> (DESIGN §5).
/// </summary>
public sealed class FallbackOptions
{
    /// <summary>The configuration section the host binds these options from.</summary>
    public const string SectionName = "AgentHost:Fallback";

    /// <summary>The order used when none is configured.</summary>
    public static IReadOnlyList<string> DefaultOrder { get; } = ["Victoria?", "Mlx", "Ollama", "Victoria"];

    private IList<string>? _order;

    /// <summary>
    /// The backends to try, first to last, by <c>BackendDescriptor.Name</c> (case-insensitive). An entry ending in
    /// <c>?</c> (e.g. <c>Victoria?</c>) is used only when that backend is healthy (or degraded) right now; it is
    /// never waited for. A backend may appear twice (optional early, required late); it is tried at most once per call.
    /// Defaults to <see cref="DefaultOrder"/>, of which only the registered backends are used; an order set
    /// explicitly must name registered backends only, and is checked at start. An enabled last-resort backend
    /// (<c>BackendDescriptor.IsLastResort</c>, e.g. <c>Embedded</c>) that the order does not name is tried after it
    /// (<c>Victoria?, Mlx, Ollama, Victoria, Embedded</c>); naming it places it explicitly.
    /// </summary>
    public IList<string> Order
    {
        get => _order ?? [.. DefaultOrder];
        set => _order = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Whether <see cref="Order"/> was set (by code or configuration) rather than defaulted.</summary>
    internal bool OrderIsExplicit => _order is not null;

    /// <summary>
    /// Whether a model id named by the caller (<c>ChatOptions.ModelId</c>, a prompt's <c>model_id</c>) is passed on to
    /// the backends. Off by default: every backend answers with its own configured model, so a prompt written for
    /// another provider still runs.
    /// </summary>
    public bool ForwardModelId { get; set; }

    /// <summary>Per-backend resilience defaults (timeouts, retries, circuit breaker).</summary>
    public BackendResilienceOptions Resilience { get; set; } = BackendResilienceOptions.CreateDefaults();

    /// <summary>Per-backend overrides of <see cref="Resilience"/>, by backend name (case-insensitive). Unset values inherit.</summary>
    public Dictionary<string, BackendResilienceOptions> Backends { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Health probing.</summary>
    public FallbackHealthOptions Health { get; set; } = new();

    /// <summary>Hedging: starting the next backend when the current one is slow to produce its first token.</summary>
    public FallbackHedgingOptions Hedging { get; set; } = new();

    /// <summary>Model availability: substitutes for a model a backend does not have (see <see cref="FallbackModelOptions"/>).</summary>
    public FallbackModelOptions Models { get; set; } = new();
}

/// <summary>How backend health is probed.</summary>
public sealed class FallbackHealthOptions
{
    /// <summary>How often the background prober checks every backend. <see cref="TimeSpan.Zero"/> turns the background prober off.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long one health check may take before the backend counts as down.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Hedging settings. Off by default.</summary>
public sealed class FallbackHedgingOptions
{
    /// <summary>Whether to start the next backend when the current one has produced nothing after <see cref="Delay"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>How long to wait for the first token before starting the next backend too.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Resilience of one backend, applied by the chain around each attempt (Polly v8). Used for the defaults
/// (<see cref="FallbackOptions.Resilience"/>) and for per-backend overrides, where an unset (<see langword="null"/>)
/// value inherits the default. A timeout of <see cref="TimeSpan.Zero"/> means off.
/// </summary>
public sealed class BackendResilienceOptions
{
    /// <summary>The longest one try may take, whole answer included. Off by default (the connector's own request timeout applies).</summary>
    public TimeSpan? AttemptTimeout { get; set; }

    /// <summary>
    /// Streaming only: the longest wait for the first content. Off by default. Keep it long or off for MLX, whose first
    /// token arrives only after the whole answer has been generated, and for Victoria, which answers in one chunk.
    /// </summary>
    public TimeSpan? FirstTokenTimeout { get; set; }

    /// <summary>
    /// Streaming only: the longest silence between two updates once a stream has produced something. Past it the
    /// stream ends with <see cref="FallbackStreamInterruptedException"/> naming the backend (or fails over when nothing
    /// was committed yet). Unset: the backend's declared <c>Capabilities.LongestStreamGap</c> (Victoria: 11 min), else
    /// <see cref="DefaultStreamIdleTimeout"/>. <see cref="TimeSpan.Zero"/>: off.
    /// </summary>
    public TimeSpan? StreamIdleTimeout { get; set; }

    /// <summary>The stream idle timeout of a backend that declares no longer gap: 2 minutes (a healthy token stream pauses for seconds at most; MLX's chunks follow its whole generation back to back).</summary>
    public static TimeSpan DefaultStreamIdleTimeout { get; } = TimeSpan.FromMinutes(2);

    /// <summary>How often a transient failure (429, 502, 503, 504, dropped connection) is retried on the same backend before moving on.</summary>
    public int? MaxRetryAttempts { get; set; }

    /// <summary>The first retry delay; later ones grow exponentially, with jitter.</summary>
    public TimeSpan? RetryDelay { get; set; }

    /// <summary>The longest <c>Retry-After</c> the chain waits for; a backend asking for longer is left for the next one.</summary>
    public TimeSpan? MaxRetryAfterWait { get; set; }

    /// <summary>The share of failed calls within <see cref="BreakerSamplingDuration"/> that opens the circuit.</summary>
    public double? BreakerFailureRatio { get; set; }

    /// <summary>The fewest calls within <see cref="BreakerSamplingDuration"/> before the circuit may open (at least 2).</summary>
    public int? BreakerMinimumThroughput { get; set; }

    /// <summary>The window over which failures are counted.</summary>
    public TimeSpan? BreakerSamplingDuration { get; set; }

    /// <summary>How long an open circuit skips the backend before one trial call is let through (half-open).</summary>
    public TimeSpan? BreakerBreakDuration { get; set; }

    internal static BackendResilienceOptions CreateDefaults() => new()
    {
        AttemptTimeout = TimeSpan.Zero,
        FirstTokenTimeout = TimeSpan.Zero,
        MaxRetryAttempts = 1,
        RetryDelay = TimeSpan.FromMilliseconds(200),
        MaxRetryAfterWait = TimeSpan.FromSeconds(5),
        BreakerFailureRatio = 0.5,
        BreakerMinimumThroughput = 4,
        BreakerSamplingDuration = TimeSpan.FromSeconds(30),
        BreakerBreakDuration = TimeSpan.FromSeconds(30),
    };
}
