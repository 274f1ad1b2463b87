namespace AgentHost.Telemetry;

/// <summary>
/// Settings of the host's OpenTelemetry SDK, bound from <c>AgentHost:Telemetry</c>. The exporters themselves are configured
/// by OpenTelemetry's standard environment variables (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>,
/// <c>OTEL_SERVICE_NAME</c>, <c>OTEL_RESOURCE_ATTRIBUTES</c>, <c>OTEL_BSP_SCHEDULE_DELAY</c>, <c>OTEL_METRIC_EXPORT_INTERVAL</c>, ...).
/// Read once, when the services are registered.
/// </summary>
internal sealed class TelemetryOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "AgentHost:Telemetry";

    /// <summary>The service name when neither <c>OTEL_SERVICE_NAME</c> nor <c>service.name</c> in <c>OTEL_RESOURCE_ATTRIBUTES</c> gives one.</summary>
    public const string DefaultServiceName = "agent-host";

    /// <summary>
    /// The switch of the whole SDK (on by default): <c>serve</c>'s <c>GET /metrics</c> and OTLP export. Off, no
    /// OpenTelemetry provider is built, <c>/metrics</c> is 404 and the instruments record nothing (nobody listens).
    /// </summary>
    public bool Metrics { get; set; } = true;

    /// <summary>
    /// How long the Prometheus exporter may answer a scrape from the previous one's text (its
    /// <c>ScrapeResponseCacheDurationMilliseconds</c>; the exporter's own default is 300 ms). Zero (the default): every
    /// scrape collects afresh, so a scrape right after a request shows it. Raise it only if scrapes come often enough to cost.
    /// </summary>
    public TimeSpan ScrapeCache { get; set; } = TimeSpan.Zero;
}
