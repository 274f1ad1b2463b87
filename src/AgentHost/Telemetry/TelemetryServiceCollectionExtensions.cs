using AgentHost.Fallback;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AgentHost.Telemetry;

/// <summary>
/// Registers the OpenTelemetry SDK over the chain's meter and spans (<c>AgentHost.Fallback</c>), ASP.NET Core's and
/// HttpClient's: a Prometheus text exporter for <c>serve</c>'s <c>GET /metrics</c>, and OTLP export of traces, metrics
/// and logs when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (<see cref="OpenTelemetryBuilderOtlpExporterExtensions.UseOtlpExporter(IOpenTelemetryBuilder)"/>
/// reads the standard <c>OTEL_*</c> variables). Nothing at all when <see cref="TelemetryOptions.Metrics"/> is off.
/// </summary>
internal static class TelemetryServiceCollectionExtensions
{
    /// <summary>The environment variable (or configuration key) that turns OTLP export on.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Adds the SDK as <paramref name="configuration"/> asks: with the Prometheus exporter when <paramref name="prometheus"/>
    /// (<c>serve</c>; map it with <see cref="MapAgentHostMetrics"/>), with OTLP when its endpoint is set. The CLI passes
    /// <see langword="false"/>: without an OTLP endpoint it gets no SDK.
    /// </summary>
    public static IServiceCollection AddAgentHostTelemetry(this IServiceCollection services, IConfiguration configuration, bool prometheus)
    {
        var options = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        services.AddSingleton(options);
        var otlp = !string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]);
        if (!options.Metrics || !(prometheus || otlp))
        {
            return services;
        }

        var telemetry = services.AddOpenTelemetry()
            // The default name first, the standard variables after it: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win.
            .ConfigureResource(r => r.Clear()
                .AddService(TelemetryOptions.DefaultServiceName, serviceVersion: typeof(TelemetryOptions).Assembly.GetName().Version?.ToString())
                .AddTelemetrySdk()
                .AddEnvironmentVariableDetector())
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(FallbackChatClient.TelemetryName).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (prometheus)
                {
                    metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = (int)options.ScrapeCache.TotalMilliseconds);
                }
            });
        if (otlp)
        {
            // Spans only when something takes them: a tracer provider without an exporter would sample every request for nothing.
            telemetry.WithTracing(tracing => tracing.AddSource(FallbackChatClient.TelemetryName).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation());
            telemetry.UseOtlpExporter();
        }

        return services;
    }

    /// <summary>
    /// Maps <c>GET /metrics</c> (Prometheus text) when the SDK is on; call it after the API key check, which then guards
    /// it like every API route.
    /// </summary>
    public static WebApplication MapAgentHostMetrics(this WebApplication app)
    {
        if (app.Services.GetService<TelemetryOptions>() is { Metrics: true })
        {
            app.MapPrometheusScrapingEndpoint();
        }

        return app;
    }

    /// <summary>
    /// Builds the SDK's providers now, for a host that is never started (the CLI commands): the hosted service that
    /// would build them does not run there. Disposing the container flushes them.
    /// </summary>
    public static void StartAgentHostTelemetry(this IServiceProvider services)
    {
        _ = services.GetService<TracerProvider>();
        _ = services.GetService<MeterProvider>();
    }
}
