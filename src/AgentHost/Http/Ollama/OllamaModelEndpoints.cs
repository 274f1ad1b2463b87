using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentHost.Backends;
using AgentHost.Fallback;
using Microsoft.Extensions.Options;

namespace AgentHost.Http.Ollama;

/// <summary>
/// Ollama's model routes over what the chain serves: <c>GET /api/tags</c> (the names <c>/v1/models</c> lists),
/// <c>POST /api/show</c> (what is known of one name), <c>GET /api/ps</c> (what the backends report as loaded) and
/// <c>GET /api/version</c>. Shapes from Ollama's api/types.go (<c>ListResponse</c>, <c>ShowResponse</c>, <c>ProcessResponse</c>).
/// </summary>
internal static class OllamaModelEndpoints
{
    /// <summary>
    /// The version <c>/api/version</c> reports. Clients gate on it: Open WebUI refuses an Ollama older than 0.1.16
    /// (its <c>REQUIRED_OLLAMA_VERSION</c>), structured outputs (<c>format</c> as a schema) arrived in 0.5 and tool calls
    /// in 0.3, and the <c>ollama</c> CLI only warns when its own version differs. A 0.12 release is past every such gate
    /// without claiming features this host does not have (it answers the same fields a 0.12 server does).
    /// </summary>
    public const string Version = "0.12.0";

    /// <summary><c>GET /api/version</c>: <c>{"version": ...}</c>.</summary>
    public static async Task VersionAsync(HttpContext context)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("version", Version);
        writer.WriteEndObject();
    }

    /// <summary>
    /// <c>GET /api/tags</c>: the chain's own id, every route and every served model, as <c>/v1/models</c> lists them, in
    /// Ollama's <c>ListModelResponse</c> shape; each also carries <c>agent_host: {"kind", "backends", "description"}</c>.
    /// </summary>
    public static async Task TagsAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptions<HttpServiceOptions>>().Value;
        var router = services.GetRequiredService<FallbackRouter>();
        var listing = await router.ListModelsAsync(context.RequestAborted);
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteStartArray("models");
        WriteTag(writer, options.ChainModelId, "chain", ChainBackends(router), "no choice: the routing rules pick the route");
        foreach (var entry in listing.Where(e => !string.Equals(e.Id, options.ChainModelId, StringComparison.OrdinalIgnoreCase)))
        {
            WriteTag(writer, entry.Id, entry.IsRoute ? "route" : "model", entry.Backends, entry.Description);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// <c>POST /api/show</c> <c>{"model"}</c>: for the chain, a route or a served model, what is known: its backends under
    /// <c>agent_host.*</c> in <c>model_info</c> and as <c>details.families</c>, and <c>capabilities</c> from the backends'
    /// declared support (<c>completion</c>; <c>tools</c> when one of them takes tools). Unknown: 404 <c>model 'x' not found</c>.
    /// </summary>
    public static async Task ShowAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptions<HttpServiceOptions>>().Value;
        var router = services.GetRequiredService<FallbackRouter>();
        string name;
        string kind;
        IReadOnlyList<string> backends;
        string? description = null;
        try
        {
            using var document = await ChatCompletionsEndpoint.ReadJsonAsync(context, options.MaxRequestBodyBytes);
            name = OllamaRequestParser.ParseShow(document.RootElement);
            if (ChatCompletionsEndpoint.IsChain(name, options.ChainModelId))
            {
                (kind, backends) = ("chain", ChainBackends(router));
            }
            else
            {
                var decision = await ResolveAsync(router, name, context.RequestAborted);
                (kind, backends, description) = (decision.Route.IsModel ? "model" : "route", [.. decision.Route.Order.Select(o => o.TrimEnd('?')).Distinct(StringComparer.OrdinalIgnoreCase)], decision.Route.Description);
            }
        }
        catch (OpenAIRequestException e)
        {
            await OpenAIError.WriteAsync(context, e);
            return;
        }

        var capabilities = backends.Select(b => services.GetServices<BackendDescriptor>().FirstOrDefault(d => string.Equals(d.Name, b, StringComparison.OrdinalIgnoreCase)))
            .OfType<BackendDescriptor>().Select(d => d.GetOptions(services).Capabilities).ToList();
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("modelfile", $"# agent-host {kind} '{name}': {string.Join(" → ", backends)}\n");
        writer.WriteString("parameters", "");
        writer.WriteString("template", "{{ .Prompt }}");
        WriteDetails(writer, kind, backends);
        writer.WriteStartObject("model_info");
        writer.WriteString("general.architecture", "agent-host");
        writer.WriteString("agent_host.kind", kind);
        WriteStrings(writer, "agent_host.backends", backends);
        writer.WriteString("agent_host.description", description);
        if (capabilities.Select(c => c.ContextWindow).OfType<int>().DefaultIfEmpty().Min() is > 0 and var window)
        {
            writer.WriteNumber("agent-host.context_length", window); // "{general.architecture}.context_length", as the ollama CLI reads it
        }

        writer.WriteEndObject();
        WriteStrings(writer, "capabilities", capabilities.Any(c => c.SupportsTools) ? ["completion", "tools"] : ["completion"]);
        writer.WriteString("modified_at", OllamaJson.CreatedAt(StatusEndpoints.Started));
        writer.WriteEndObject();
    }

    /// <summary><c>GET /api/ps</c>: the models the backends report as loaded now (<see cref="IOllamaLoadedModels"/>).</summary>
    public static async Task PsAsync(HttpContext context)
    {
        var loaded = await context.RequestServices.GetRequiredService<IOllamaLoadedModels>().ListAsync(context.RequestAborted);
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteStartArray("models");
        foreach (var model in loaded)
        {
            writer.WriteStartObject();
            writer.WriteString("name", model.Name);
            writer.WriteString("model", model.Name);
            writer.WriteNumber("size", model.SizeBytes ?? 0);
            writer.WriteString("digest", Digest(model.Name));
            WriteDetails(writer, "model", [model.Backend]);
            writer.WriteString("expires_at", model.ExpiresAt is { } at ? OllamaJson.CreatedAt(at) : "0001-01-01T00:00:00Z"); // Go's zero time: not known
            writer.WriteNumber("size_vram", 0);
            writer.WriteNumber("context_length", 0);
            writer.WriteStartObject(ChatCompletionJson.ReportProperty);
            writer.WriteString("backend", model.Backend);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static async Task<FallbackRouteDecision> ResolveAsync(FallbackRouter router, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await router.ResolveAsync(name, cancellationToken);
        }
        catch (FallbackRouteNotFoundException)
        {
            throw OllamaChatEndpoint.NotFound(name);
        }
    }

    private static List<string> ChainBackends(FallbackRouter router) =>
        [.. router.DefaultRoute.Order.Select(o => o.TrimEnd('?')).Distinct(StringComparer.OrdinalIgnoreCase)];

    private static void WriteTag(Utf8JsonWriter writer, string name, string kind, IReadOnlyList<string> backends, string? description)
    {
        writer.WriteStartObject();
        writer.WriteString("name", name);
        writer.WriteString("model", name);
        writer.WriteString("modified_at", OllamaJson.CreatedAt(StatusEndpoints.Started));
        writer.WriteNumber("size", 0);
        writer.WriteString("digest", Digest(name));
        WriteDetails(writer, kind, backends);
        writer.WriteStartObject(ChatCompletionJson.ReportProperty);
        writer.WriteString("kind", kind);
        WriteStrings(writer, "backends", backends);
        writer.WriteString("description", description);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Ollama's <c>ModelDetails</c>: the format and family say agent-host, the families name the backends.</summary>
    private static void WriteDetails(Utf8JsonWriter writer, string kind, IReadOnlyList<string> backends)
    {
        writer.WriteStartObject("details");
        writer.WriteString("parent_model", "");
        writer.WriteString("format", "agent-host");
        writer.WriteString("family", kind == "model" ? "agent-host-model" : "agent-host-route");
        WriteStrings(writer, "families", backends);
        writer.WriteString("parameter_size", "");
        writer.WriteString("quantization_level", "");
        writer.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    /// <summary>A stable stand-in for Ollama's manifest digest (clients key caches on it): the SHA-256 of the name.</summary>
    private static string Digest(string name) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
}
