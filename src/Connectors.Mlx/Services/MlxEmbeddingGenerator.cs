using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentHost.Backends;
using Microsoft.Extensions.AI;

namespace AgentHost.Connectors.Mlx;

/// <summary>
/// The MLX backend's embeddings through an OpenAI-shaped route (<see cref="MlxEmbeddingOptions.Path"/>), for builds
/// and servers that have one. Failures look as the chat client's do: a non-success status is a
/// <see cref="BackendHttpOperationException"/> with the server's text, a body of the wrong shape a
/// <see cref="BackendResponseException"/>. Thread-safe.
/// </summary>
public sealed class MlxEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly HttpClient _http;
    private readonly Func<MlxOptions> _options;
    private readonly string _backend;
    private readonly TimeProvider _time;

    /// <summary>Creates the generator over the backend's HTTP client (its base address is the server).</summary>
    public MlxEmbeddingGenerator(HttpClient http, Func<MlxOptions> options, string backend, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(backend);
        _http = http;
        _options = options;
        _backend = backend;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The generator when <see cref="MlxEmbeddingOptions.Path"/> is set, else <see langword="null"/> (the backend cannot embed).</summary>
    public static MlxEmbeddingGenerator? CreateIfConfigured(HttpClient http, Func<MlxOptions> options, string backend, TimeProvider? timeProvider = null) =>
        string.IsNullOrWhiteSpace(options().Embeddings.Path) ? null : new MlxEmbeddingGenerator(http, options, backend, timeProvider);

    /// <inheritdoc />
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var settings = _options();
        var path = settings.Embeddings.Path is { Length: > 0 } p ? p : throw new InvalidOperationException($"{_backend}: Embeddings:Path is not set.");
        var model = options?.ModelId ?? DefaultModel(settings);
        var body = new JsonObject { ["input"] = new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]), ["encoding_format"] = "float" };
        if (model is not null)
        {
            body["model"] = model;
        }

        if (options?.Dimensions is { } dimensions)
        {
            body["dimensions"] = dimensions;
        }

        using var response = await _http.PostAsJsonAsync(path.TrimStart('/'), body, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await BackendHttpOperationException.FromResponseAsync(_backend, response, _time, cancellationToken).ConfigureAwait(false);
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return Parse(text, model);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        var settings = _options();
        return serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("mlx", settings.EndpointUri, DefaultModel(settings))
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The HTTP client belongs to IHttpClientFactory.
    }

    private static string? DefaultModel(MlxOptions settings) => settings.Embeddings.Model ?? settings.Model;

    private GeneratedEmbeddings<Embedding<float>> Parse(string text, string? asked)
    {
        try
        {
            var root = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not an object");
            var data = root["data"] as JsonArray ?? throw new JsonException("no data list");
            var model = root["model"]?.GetValue<string>() ?? asked;
            var vectors = data.Select((item, i) => (Index: item?["index"]?.GetValue<int>() ?? i, Vector: Vector(item?["embedding"])))
                .OrderBy(v => v.Index)
                .Select(v => new Embedding<float>(v.Vector) { ModelId = model, CreatedAt = _time.GetUtcNow() });
            var result = new GeneratedEmbeddings<Embedding<float>>(vectors);
            if (root["usage"]?["prompt_tokens"]?.GetValue<long>() is { } tokens)
            {
                result.Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = root["usage"]?["total_tokens"]?.GetValue<long>() ?? tokens };
            }

            return result;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new BackendResponseException(_backend, BackendResponseProblem.Malformed, $"malformed embeddings reply ({e.Message})", innerException: e);
        }
    }

    private static float[] Vector(JsonNode? node) =>
        node is JsonArray array ? [.. array.Select(n => n?.GetValue<float>() ?? throw new JsonException("null in an embedding"))] : throw new JsonException("an embedding is not a list of numbers");
}
