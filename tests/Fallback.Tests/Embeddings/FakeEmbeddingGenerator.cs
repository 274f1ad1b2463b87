using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Tests.Embeddings;

/// <summary>An embedding generator answering from a script: a vector per input (<c>[name.Length, text.Length]</c>) unless told to fail.</summary>
public sealed class FakeEmbeddingGenerator(string name, string model) : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly Queue<Exception> _failures = new();
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public List<string?> ModelsAsked { get; } = [];

    /// <summary>Fails the next calls with these exceptions, in order (then answers).</summary>
    public FakeEmbeddingGenerator Throws(params Exception[] failures)
    {
        foreach (var f in failures)
        {
            _failures.Enqueue(f);
        }

        return this;
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        lock (ModelsAsked)
        {
            ModelsAsked.Add(options?.ModelId);
        }

        if (_failures.TryDequeue(out var failure))
        {
            throw failure;
        }

        var result = new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(new float[] { name.Length, v.Length }) { ModelId = options?.ModelId ?? model }))
        {
            Usage = new UsageDetails { InputTokenCount = 3, TotalTokenCount = 3 },
        };
        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("fake", null, model) : null;

    public void Dispose()
    {
    }
}
