using AgentHost.Connectors.Embedded.Tests.TestSupport;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentHost.Connectors.Embedded.Tests.Services;

/// <summary>The embedded backend's embeddings with the real engine over the tiny GGUF (64 wide).</summary>
public sealed class EmbeddedEmbeddingGeneratorTests
{
    [Fact]
    public async Task The_tiny_model_embeds_with_its_embedding_size_and_the_same_text_gives_the_same_vector()
    {
        await using var services = TinyModel.Services();
        var generator = services.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("Embedded");

        var first = await generator.GenerateAsync(["the same text", "another text"]);
        var again = await generator.GenerateAsync(["the same text"]);

        Assert.Equal(2, first.Count);
        Assert.All(first, e => Assert.Equal(64, e.Vector.Length)); // the GGUF's llama.embedding_length
        Assert.Equal(first[0].Vector.ToArray(), again[0].Vector.ToArray());
        Assert.NotEqual(first[0].Vector.ToArray(), first[1].Vector.ToArray());
        Assert.All(first[0].Vector.ToArray(), v => Assert.False(float.IsNaN(v)));
        Assert.Equal(1.0, Math.Sqrt(first[0].Vector.ToArray().Sum(v => (double)v * v)), 3); // LLamaSharp normalises
        Assert.True(first.Usage?.InputTokenCount > 0);
    }
}
