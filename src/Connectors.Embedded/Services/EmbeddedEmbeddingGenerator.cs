using System.Net;
using System.Text;
using AgentHost.Backends;
using LLama;
using LLama.Native;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AgentHost.Connectors.Embedded;

/// <summary>
/// The embedded backend's embeddings: LLamaSharp's <see cref="LLamaEmbedder"/> (its own MEAI
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>) over the same weights as the chat, loaded on first use and
/// unloaded when idle by <see cref="EmbeddedModel"/>. Each call makes an embedder with a context in embeddings mode
/// (mean pooling, so one vector per input, L2-normalised by LLamaSharp) and runs one call at a time (the CPU is the
/// limit). <see cref="EmbeddingGenerationOptions.Dimensions"/> is not applied: the vector is the model's width. An input longer than the context window is a 413, which the chain reads as a context-length failure.
/// </summary>
public sealed class EmbeddedEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly string _backend;
    private readonly EmbeddedModel _model;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _turns = new(1, 1);

    internal EmbeddedEmbeddingGenerator(string backend, EmbeddedModel model, ILogger logger)
    {
        _backend = backend;
        _model = model;
        _logger = logger;
    }

    /// <inheritdoc />
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var inputs = values.ToList();
        await _turns.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var lease = await _model.AcquireAsync(cancellationToken).ConfigureAwait(false);
            var parameters = _model.CreateParams(_model.Options.InspectModel(out _)) with { Embeddings = true, PoolingType = LLamaPoolingType.Mean };
            parameters = parameters with { UBatchSize = parameters.BatchSize };
            using var embedder = new LLamaEmbedder(lease.Weights, parameters, _logger);
            var result = new GeneratedEmbeddings<Embedding<float>>(inputs.Count);
            long tokens = 0;
            foreach (var input in inputs)
            {
                // GetEmbeddings, not the embedder's own IEmbeddingGenerator face: in 0.30 that reads the pooling type from a
                // context it has already disposed (ObjectDisposedException; LLamaSharp's own test of it is switched off).
                IReadOnlyList<float[]> vectors;
                try
                {
                    vectors = await embedder.GetEmbeddings(input, cancellationToken).ConfigureAwait(false);
                }
                catch (ArgumentException e) when (e.Message.Contains("context window", StringComparison.OrdinalIgnoreCase))
                {
                    throw new BackendHttpOperationException(_backend, HttpStatusCode.RequestEntityTooLarge, e.Message.Split(" (Parameter", 2)[0], null, null);
                }

                tokens += lease.Weights.Tokenize(input, true, true, Encoding.UTF8).Length;
                result.Add(new Embedding<float>(vectors[0]) { ModelId = _model.Options.Model });
            }

            result.Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens };
            return result;
        }
        finally
        {
            _turns.Release();
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("llamasharp", null, _model.Options.Model)
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose() => _turns.Dispose();
}
