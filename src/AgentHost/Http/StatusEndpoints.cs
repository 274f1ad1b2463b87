using System.Reflection;
using System.Text.Json;
using AgentHost.Backends;
using AgentHost.Fallback;
using Microsoft.Extensions.Options;

namespace AgentHost.Http;

/// <summary><c>GET /v1/models</c> (OpenAI's list shape) and <c>GET /health</c> (the host and each backend).</summary>
internal static class StatusEndpoints
{
    /// <summary>The <c>owned_by</c> of the chain's own id and of the routes.</summary>
    public const string ChainOwner = "agent-host";

    /// <summary>When this process started: the <c>created</c> of the model listings.</summary>
    internal static readonly DateTimeOffset Started = new(System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime());

    /// <summary>
    /// What a caller may give as <c>model</c>, in OpenAI's list shape: the chain's own id (no choice: the rules decide), then
    /// every route (<c>owned_by</c> <c>agent-host</c>), then every model the backends serve, as configured and as their
    /// catalogs report (<c>owned_by</c> the backends serving it, comma-separated). Each entry also carries
    /// <c>agent_host: {"kind": "chain"|"route"|"model", "backends": [...], "description"}</c>, which OpenAI clients ignore.
    /// </summary>
    public static async Task ModelsAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptions<HttpServiceOptions>>().Value;
        var router = services.GetRequiredService<FallbackRouter>();
        var listing = await router.ListModelsAsync(context.RequestAborted);
        var created = Started.ToUnixTimeSeconds();
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        WriteModel(writer, options.ChainModelId, ChainOwner, created, "chain",
            [.. router.DefaultRoute.Order.Select(o => o.TrimEnd('?')).Distinct(StringComparer.OrdinalIgnoreCase)],
            "no choice: the routing rules pick the route (the default one unless a rule matches)");
        foreach (var entry in listing.Where(e => !string.Equals(e.Id, options.ChainModelId, StringComparison.OrdinalIgnoreCase)))
        {
            WriteModel(writer, entry.Id, entry.IsRoute ? ChainOwner : string.Join(",", entry.Backends), created,
                entry.IsRoute ? "route" : "model", entry.Backends, entry.Description);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// The host and every backend as the background prober last saw it (probed now if never yet): 200 when at least
    /// one backend is up (healthy or degraded), 503 otherwise.
    /// </summary>
    public static async Task HealthAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var monitor = services.GetRequiredService<BackendHealthMonitor>();
        var descriptors = services.GetServices<BackendDescriptor>().DistinctBy(d => d.Name, StringComparer.OrdinalIgnoreCase).ToList();
        var enabled = descriptors.Where(d => d.GetOptions(services).Enabled).ToList();
        if (enabled.Any(d => monitor.Get(d.Name).CheckedAt is null))
        {
            await monitor.ProbeAllAsync(context.RequestAborted);
        }

        var up = enabled.Any(d => monitor.Get(d.Name).IsUp);
        var chain = services.GetService<FallbackChatClient>();
        context.Response.StatusCode = up ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("status", up ? "ok" : "unavailable");
        writer.WriteStartObject("host");
        writer.WriteString("name", "agent-host");
        writer.WriteString("version", typeof(StatusEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);
        writer.WriteNumber("uptime_seconds", Math.Max(0, Math.Round((DateTimeOffset.UtcNow - Started).TotalSeconds)));
        writer.WriteStartArray("order");
        foreach (var entry in chain?.Order ?? [])
        {
            writer.WriteStringValue(entry);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteStartArray("backends");
        foreach (var descriptor in descriptors)
        {
            var options = descriptor.GetOptions(services);
            var health = monitor.Get(descriptor.Name);
            writer.WriteStartObject();
            writer.WriteString("name", descriptor.Name);
            writer.WriteString("server", descriptor.DisplayName);
            writer.WriteBoolean("enabled", options.Enabled);
            writer.WriteString("health", options.Enabled ? health.State.ToString().ToLowerInvariant() : "disabled");
            writer.WriteString("reason", options.Enabled ? health.Reason : null);
            writer.WriteString("endpoint", options.Endpoint);
            writer.WriteString("model", options.Model);
            writer.WriteString("circuit", chain?.DescribeCircuit(descriptor.Name));
            if (health.CheckedAt is { } at)
            {
                writer.WriteString("checked_at", at);
            }
            else
            {
                writer.WriteNull("checked_at");
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteModel(Utf8JsonWriter writer, string id, string ownedBy, long created, string kind, IReadOnlyList<string> backends, string? description)
    {
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteString("object", "model");
        writer.WriteNumber("created", created);
        writer.WriteString("owned_by", ownedBy);
        writer.WriteStartObject(ChatCompletionJson.ReportProperty);
        writer.WriteString("kind", kind);
        writer.WriteStartArray("backends");
        foreach (var backend in backends)
        {
            writer.WriteStringValue(backend);
        }

        writer.WriteEndArray();
        writer.WriteString("description", description);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
