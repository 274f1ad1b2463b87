using System.Text.Json;
using System.Text.Json.Nodes;
using AgentHost.Emulators.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AgentHost.Emulators.Mlx;

/// <summary>
/// Emulates the MLX API Server (DESIGN §3, following <c>knowledge_os/app/mlx_api_server.py</c>): <c>POST /api/generate</c>
/// (whole answer, or after generating it one JSON line per character with <c>Content-Type: application/json</c>),
/// <c>GET /health</c>, <c>GET /api/tags</c>, <c>GET /</c>; <c>POST /api/chat</c> when <see cref="ChatRouteEnabled"/>;
/// Apple's <c>mlx_lm.server</c> routes (<c>/v1/chat/completions</c>, <c>/v1/models</c>) when <see cref="OpenAIMode"/>.
/// Errors come in the server's shapes: FastAPI's <c>{"detail"}</c> (422 validation list, 503, 504, 500) and the
/// middleware's <c>{"error"}</c> (429, without <c>Retry-After</c> unless the knob sets one). A streamed request is
/// answered with its 200 headers before the generation runs (FastAPI's <c>StreamingResponse</c>), so a generation that
/// fails (<see cref="EmulatorFaults.StatusCode"/> 500 or 504) is a cut after those headers with no line, not a status;
/// only the refusals that come before the stream starts (429, 503; 500/504 with <see cref="FailStreamsBeforeTheyStart"/>)
/// are statuses for a stream.
/// </summary>
public sealed partial class MlxEmulator : BackendEmulator
{
    /// <summary>The model keys the server knows (its <c>MODEL_PATHS</c>); any other name falls back to <c>default</c>.</summary>
    public static readonly IReadOnlyList<string> KnownModels =
        ["fast", "default", "tiny", "qwen_3b", "phi3_mini", "phi3.5:3.8b", "phi3:mini-4k", "qwen2.5:3b", "tinyllama:1.1b-chat"];

    private static readonly Dictionary<string, string> CategoryToModel = new(StringComparer.Ordinal)
    {
        ["reasoning"] = "fast",
        ["coding"] = "fast",
        ["code"] = "fast",
        ["fast"] = "fast",
        ["tiny"] = "tiny",
        ["default"] = "fast",
    };

    /// <inheritdoc />
    public override string Name => "Mlx";

    /// <inheritdoc />
    public override int DefaultPort => 11435;

    /// <summary>Serve <c>POST /api/chat</c> like newer builds (otherwise 404, like older ones).</summary>
    public bool ChatRouteEnabled { get; set; }

    /// <summary>Serve <c>mlx_lm.server</c>'s <c>POST /v1/chat/completions</c> and <c>GET /v1/models</c> (otherwise 404).</summary>
    public bool OpenAIMode { get; set; }

    /// <summary>The real failure mode of a dying generation: the stream just ends, cleanly, without its <c>done: true</c> line (or <c>[DONE]</c>).</summary>
    public bool StreamEndsWithoutDone { get; set; }

    /// <summary>
    /// Answer a 500 or 504 for a streamed request before the stream starts, as the server does when it cannot begin:
    /// the model's files are missing (500 <c>Generation failed: Model ... not found at ...</c>, raised while the model
    /// is fetched, before the <c>StreamingResponse</c>) or the request timed out waiting in the queue (504
    /// <c>Request timeout while waiting in queue</c>). Off by default: a 500/504 is then a failure during generation,
    /// which a stream shows as a cut after its 200 headers (the server's 504 generation timeout exists only for
    /// non-streamed calls; a streamed generation has no timeout).
    /// </summary>
    public bool FailStreamsBeforeTheyStart { get; set; }

    /// <summary>Answer in <c>"text"</c> instead of <c>"response"</c>, as some other builds do.</summary>
    public bool AnswerInTextField { get; set; }

    /// <summary>Add Ollama-style usage (<c>prompt_eval_count</c>, <c>eval_count</c>, <c>done_reason</c>) to the final reply, as some builds do.</summary>
    public bool SendUsage { get; set; }

    /// <summary>The requests in flight that <c>/health</c> reports.</summary>
    public int ActiveRequests { get; set; }

    /// <summary>The concurrency limit (<c>MLX_MAX_CONCURRENT</c>, default 5).</summary>
    public int MaxConcurrent { get; set; } = 5;

    /// <summary>Memory in use, in percent; over 85 <c>/health</c> says <c>warning</c>, over 95 <c>critical</c>.</summary>
    public double MemoryUsedPercent { get; set; } = 41.3;

    /// <summary>The models loaded in memory (what <c>/health</c> lists in <c>cached_models</c>).</summary>
    public IReadOnlyList<string> CachedModels { get; set; } = ["phi3.5:3.8b"];

    /// <inheritdoc />
    protected override void MapRoutes(WebApplication app)
    {
        app.MapGet("/", RootAsync);
        app.MapGet("/health", HealthAsync);
        app.MapGet("/api/tags", (HttpContext c) => WriteJsonAsync(c, 200, new
        {
            models = KnownModels.Select(name => new { name, model = name, size = 0, format = "mlx", exists = true }),
        }));
        app.MapPost("/api/generate", GenerateAsync);
        app.MapPost("/api/chat", ChatAsync);
        app.MapPost("/v1/chat/completions", OpenAIChatAsync);
        app.MapGet("/v1/models", OpenAIModelsAsync);
        app.MapPost("/v1/embeddings", EmbeddingsAsync);
        app.MapFallback((HttpContext c) => NotFoundAsync(c));
    }

    /// <summary>The model key the server would use (its model → category → <c>default</c> fallback, never a 404).</summary>
    public static string ResolveModel(string? model, string? category) =>
        model is not null
            ? KnownModels.Contains(model) ? model : CategoryToModel.GetValueOrDefault(model, "default")
            : category is not null ? CategoryToModel.GetValueOrDefault(category, "default") : "default";

    private static Task NotFoundAsync(HttpContext context) => WriteJsonAsync(context, 404, new { detail = "Not Found" });

    private Task RootAsync(HttpContext context) => WriteJsonAsync(context, 200, new
    {
        status = "online",
        server = "MLX Model Server",
        version = "2.0.0",
        device = "Mac Studio M4 Max",
        models_loaded = CachedModels.Count,
        cached_models = CachedModels.Select(CachedModel),
        available_models = KnownModels,
        active_requests = ActiveRequests,
        max_concurrent = MaxConcurrent,
        memory = new { used_percent = MemoryUsedPercent, available_gb = AvailableGb },
    });

    private async Task HealthAsync(HttpContext context)
    {
        if (!await HealthPreambleAsync(context))
        {
            return;
        }

        var status = HealthStatusOr(
            MemoryUsedPercent > 95 ? "critical" : MemoryUsedPercent > 85 ? "warning" : ActiveRequests >= MaxConcurrent ? "degraded" : "healthy");
        var warnings = new List<string>();
        if (MemoryUsedPercent > 85)
        {
            warnings.Add($"High memory usage: {MemoryUsedPercent:0.0}%");
        }

        if (ActiveRequests >= MaxConcurrent)
        {
            warnings.Add($"Too many concurrent requests: {ActiveRequests}/{MaxConcurrent}");
        }

        await WriteJsonAsync(context, 200, new
        {
            status,
            service = "MLX API Server",
            version = "2.0.0",
            total_models = KnownModels.Count,
            models_cached = CachedModels.Count,
            cached_models = CachedModels.Select(CachedModel),
            active_model_requests = new { },
            loading_models = Array.Empty<string>(),
            active_requests = ActiveRequests,
            max_concurrent = MaxConcurrent,
            memory = new { used_percent = MemoryUsedPercent, available_gb = AvailableGb, total_gb = TotalGb, warning_threshold = 85.0, critical_threshold = 95.0 },
            rate_limit = new { max_per_window = 500, window_seconds = 90 },
            warnings,
            timestamp = DateTime.Now.ToString("yyyy-MM-ddTHH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    private const double TotalGb = 128.0;

    private double AvailableGb => Math.Round(TotalGb * (100 - MemoryUsedPercent) / 100, 2);

    private static object CachedModel(string name) => new { name, use_count = 1, last_used = "2026-01-01T00:00:00", load_time_seconds = 2.5, active_requests = 0, is_loading = false };

    /// <summary>
    /// The faults every generation route honours before the body is read, in the server's order: hang / first-byte
    /// delay, then the rate-limit middleware's 429 <c>{"error"}</c>. Returns false when the request was answered (or given up).
    /// </summary>
    private async Task<bool> GenerationPreambleAsync(HttpContext context, RequestFaults faults)
    {
        if (!await DelayFirstByteAsync(context, faults))
        {
            return false;
        }

        if (faults.StatusCode is 429)
        {
            await WriteJsonAsync(context, 429, new { error = faults.ErrorMessage ?? "Rate limit exceeded. Max 500 requests per 90 seconds" }, faults.RetryAfter);
            return false;
        }

        return true;
    }

    /// <summary>
    /// A faulted status once the body is valid, as FastAPI's <c>{"detail"}</c>: 503 (queue full, model loading, memory)
    /// before anything; 500 (generation failed) and 504 (generation timeout) for a plain call, while a stream has its
    /// 200 headers already and is cut (see <see cref="FailStreamsBeforeTheyStart"/>). Returns false when answered.
    /// </summary>
    private async Task<bool> GenerationStatusAsync(HttpContext context, RequestFaults faults, bool stream)
    {
        if (faults.StatusCode is not { } code || code == 429)
        {
            return true;
        }

        if (stream && code is 500 or 504 && !FailStreamsBeforeTheyStart)
        {
            await CutBeforeContentAsync(context, "application/json");
            return false;
        }

        object body = code switch
        {
            503 => new { detail = faults.ErrorMessage ?? "Queue is full. Please try again later." },
            504 when stream => new { detail = faults.ErrorMessage ?? "Request timeout while waiting in queue (limit 97s for this model)" },
            504 => new { detail = faults.ErrorMessage ?? "Generation timeout (limit 97s for this model and max_tokens)" },
            500 => new { detail = faults.ErrorMessage ?? "Generation failed: Model default not found at /Users/mlx/mlx-models/phi3.5-mini-4k" },
            _ => new { detail = faults.ErrorMessage ?? $"Error {code}" },
        };
        await WriteJsonAsync(context, code, body, faults.RetryAfter);
        return false;
    }

    /// <summary>Reads the body as FastAPI would; on failure answers 422 with its <c>{"detail": [...]}</c> list.</summary>
    private static async Task<JsonObject?> ReadValidatedAsync(HttpContext context, Action<FastApiValidator> validate)
    {
        var validator = FastApiValidator.Parse(context.Request.Body is { } b ? await new StreamReader(b).ReadToEndAsync(context.RequestAborted) : "");
        if (validator.Body is not null)
        {
            validate(validator);
        }

        if (validator.Errors.Count == 0)
        {
            return validator.Body;
        }

        await WriteJsonAsync(context, 422, new { detail = validator.Errors });
        return null;
    }

    private static string AnswerFor(RequestFaults faults, string lastUserText) => faults.Answer?.Invoke(lastUserText) ?? "MLX: " + lastUserText;

    private static string Serialize(object body) => JsonSerializer.Serialize(body, JsonOptions);
}
