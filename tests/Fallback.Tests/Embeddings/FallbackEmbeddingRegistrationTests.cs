using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentHost.Fallback.Tests.Embeddings;

/// <summary><c>AddFallbackEmbeddingGenerator</c>: the chain as the container's embedding generator, over each backend's keyed one.</summary>
public sealed class FallbackEmbeddingRegistrationTests
{
    [Fact]
    public async Task The_embedding_chain_is_the_non_keyed_generator_and_embeds_through_the_keyed_ones_with_meai_steps_over_it()
    {
        var steps = 0;
        await using var h = new ChainHarness().Backend("A", new FakeChatClient("A")).Backend("B", new FakeChatClient("B")).Chain(o => o.Order = ["A", "B"]);
        h.Services.AddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>("B", new FakeEmbeddingGenerator("B", "b-embed"));
        h.Services.AddFallbackEmbeddingGenerator().Use((values, options, inner, cancellationToken) =>
        {
            steps++;
            return inner.GenerateAsync(values, options, cancellationToken);
        });

        var generator = h.Provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var result = await generator.GenerateAsync(["hello"]);

        Assert.Equal(1, steps);
        Assert.Same(h.Provider.GetRequiredService<FallbackEmbeddingGenerator>(), generator.GetService<FallbackEmbeddingGenerator>());
        Assert.Equal(["A: skipped (cannot embed)", "B: answered"], result.GetFallbackReport()!.Attempts.Select(a => a.ToString()));
        Assert.Same(h.Monitor, generator.GetService<BackendHealthMonitor>());
    }
}
