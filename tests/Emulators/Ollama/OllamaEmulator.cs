using System.Collections.Concurrent;
using System.Globalization;
using AgentHost.Emulators.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AgentHost.Emulators.Ollama;

/// <summary>A model the Ollama emulator has "pulled".</summary>
/// <param name="Name">The full name with tag, e.g. <c>llama3.2:latest</c>.</param>
/// <param name="Size">The size in bytes it reports.</param>
public sealed record OllamaEmulatorModel(string Name, long Size);

/// <summary>
/// Emulates Ollama (DESIGN §3): <c>POST /api/chat</c> (NDJSON streaming by default, tool calls, preload),
/// <c>POST /v1/chat/completions</c> (OpenAI shape, SSE), <c>GET /</c>, <c>GET /api/tags</c>, <c>GET /api/ps</c>,
/// <c>GET /api/version</c> and <c>POST /api/embed</c>, with Ollama's <c>{"error": "..."}</c> error shape.
/// </summary>
public sealed partial class OllamaEmulator : BackendEmulator
{
    /// <summary>The text real Ollama puts in the error line when its runner dies mid-answer.</summary>
    public const string RunnerStoppedError = "model runner has unexpectedly stopped";

    private readonly ConcurrentDictionary<string, DateTimeOffset> _loaded = new(StringComparer.Ordinal);
    private volatile IReadOnlyList<OllamaEmulatorModel> _models =
    [
        new("llama3.2:latest", 2_019_393_189),
        new("qwen2.5:7b", 4_683_087_332),
        new("nomic-embed-text:latest", 274_302_450),
    ];

    /// <inheritdoc />
    public override string Name => "Ollama";

    /// <inheritdoc />
    public override int DefaultPort => 11434;

    /// <summary>The models <c>/api/tags</c> lists; any other name answers 404 as real Ollama does.</summary>
    public IReadOnlyList<OllamaEmulatorModel> Models { get => _models; set => _models = value ?? []; }

    /// <summary>
    /// Decides, for a request that carries <c>tools</c>, whether to answer with a tool call (non-null) or text (null).
    /// Receives the request's messages and tool names. Default: <see cref="DefaultToolCallScript"/>.
    /// </summary>
    public Func<IReadOnlyList<OllamaChatMessage>, IReadOnlyList<string>, OllamaToolCall?> ToolCallScript { get; set; } = DefaultToolCallScript;

    /// <summary>The default tool script: call the first tool with <c>{}</c> until a tool result follows the last user message, then answer with text.</summary>
    public static OllamaToolCall? DefaultToolCallScript(IReadOnlyList<OllamaChatMessage> messages, IReadOnlyList<string> toolNames) =>
        OllamaConversation.DefaultToolCall(messages, toolNames);

    /// <summary>
    /// When set, the model runner fails after this many content chunks (text: <see cref="EmulatorFaults.ErrorMessage"/>
    /// or <see cref="RunnerStoppedError"/>), as real Ollama shows it (server/routes.go): a stream that has sent content
    /// gets the NDJSON line <c>{"error": "..."}</c> under its 200 and ends; a stream with nothing sent yet gets 500
    /// <c>{"error"}</c> (from 0.12.6; older builds sent the error line under 200 there too, see
    /// <see cref="ErrorsBeforeContentAsStatus"/>); a non-streamed request gets 500 <c>{"error"}</c> (every build).
    /// </summary>
    public int? InBandErrorAfterChunks { get; set; }

    /// <summary>The version <c>/api/version</c> reports. Builds before 0.12.6 send a failure before any content as the error line under 200.</summary>
    public Version Version { get; set; } = new(0, 12, 6);

    /// <summary>Whether a streamed failure before any content comes as an HTTP status (0.12.6 and later) rather than the error line under 200.</summary>
    public bool ErrorsBeforeContentAsStatus => Version >= new Version(0, 12, 6);

    /// <summary>How many words each streamed chunk carries.</summary>
    public int WordsPerChunk { get; set; } = 2;

    /// <summary>The names of the models loaded in memory now (what <c>/api/ps</c> lists).</summary>
    public IReadOnlyCollection<string> LoadedModels => _loaded.Keys.ToArray();

    /// <summary>Marks a model as loaded, as if a request had loaded it.</summary>
    public void Load(string model) => _loaded[Canonical(model)] = DateTimeOffset.UtcNow.AddMinutes(5);

    /// <inheritdoc />
    protected override void MapRoutes(WebApplication app)
    {
        app.MapGet("/", RootAsync);
        app.MapMethods("/", ["HEAD"], RootAsync);
        app.MapGet("/api/version", (HttpContext c) => WriteJsonAsync(c, 200, new { version = Version.ToString(3) }));
        app.MapGet("/api/tags", TagsAsync);
        app.MapGet("/api/ps", PsAsync);
        app.MapPost("/api/embed", EmbedAsync);
        app.MapPost("/api/chat", ChatAsync);
        app.MapPost("/v1/chat/completions", OpenAiChatAsync);
    }

    private async Task RootAsync(HttpContext context)
    {
        if (!await HealthPreambleAsync(context))
        {
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(HealthStatusOr("Ollama is running"), context.RequestAborted);
    }

    private Task TagsAsync(HttpContext context) => WriteJsonAsync(context, 200, new
    {
        models = Models.Select(m => new
        {
            name = m.Name,
            model = m.Name,
            modified_at = "2025-05-04T17:37:44.706015396-07:00",
            size = m.Size,
            digest = Digest(m.Name),
            details = Details(m.Name),
        }),
    });

    private Task PsAsync(HttpContext context) => WriteJsonAsync(context, 200, new
    {
        models = _loaded.Select(l => new
        {
            name = l.Key,
            model = l.Key,
            size = Models.FirstOrDefault(m => m.Name == l.Key)?.Size ?? 0,
            digest = Digest(l.Key),
            details = Details(l.Key),
            expires_at = l.Value.ToString("o", CultureInfo.InvariantCulture),
            size_vram = Models.FirstOrDefault(m => m.Name == l.Key)?.Size ?? 0,
            context_length = 4096,
        }),
    });

    /// <summary>The name Ollama resolves a model reference to (<c>llama3.2</c> → <c>llama3.2:latest</c>), or null when unknown.</summary>
    private string? Resolve(string? model)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            return null;
        }

        var canonical = Canonical(model);
        return Models.Any(m => m.Name == canonical) ? canonical : null;
    }

    private static string Canonical(string model) => model.Contains(':', StringComparison.Ordinal) ? model : model + ":latest";

    private static string ErrorText(RequestFaults faults, int status) => faults.ErrorMessage ?? status switch
    {
        429 => "too many requests",
        503 => "server busy, please try again.  maximum pending requests exceeded",
        500 => "llama runner process has terminated: exit status 2",
        _ => $"emulated failure ({status})",
    };

    private static string NotFound(string? model) => $"model '{model}' not found";

    private static string Digest(string name) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)));

    private static object Details(string name) => new
    {
        parent_model = "",
        format = "gguf",
        family = name.Split(':')[0].TrimEnd('.', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'),
        families = new[] { name.Split(':')[0] },
        parameter_size = "3.2B",
        quantization_level = "Q4_K_M",
    };

    private static string Now() => DateTimeOffset.UtcNow.ToString("o", CultureInfo.InvariantCulture);
}
