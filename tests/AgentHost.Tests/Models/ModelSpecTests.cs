using AgentHost.Models;

namespace AgentHost.Tests.Models;

public sealed class ModelSpecTests
{
    private static readonly Uri Hub = new("https://huggingface.co/");

    [Theory]
    [InlineData("qwen2.5:0.5b", "https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf")]
    [InlineData("llama3.2:1b", "https://huggingface.co/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/main/Llama-3.2-1B-Instruct-Q4_K_M.gguf")]
    [InlineData("o/r/sub/m.gguf", "https://huggingface.co/o/r/resolve/main/sub/m.gguf")]
    [InlineData("https://example.org/o/r/resolve/v1/m.gguf", "https://example.org/o/r/resolve/v1/m.gguf")]
    public void Aliases_repository_paths_and_urls_become_resolve_urls(string text, string url)
    {
        Assert.True(ModelSpec.TryParse(text, Hub, null, out var spec, out var error), error);
        Assert.Equal(url, spec!.Url.ToString());
    }

    [Fact]
    public void A_revision_goes_into_the_resolve_path() =>
        Assert.Equal("https://huggingface.co/o/r/resolve/v2/m.gguf",
            ModelSpec.TryParse("o/r/m.gguf", Hub, "v2", out var spec, out _) ? spec!.Url.ToString() : null);

    [Theory]
    [InlineData("qwen2.5")]
    [InlineData("o/r/model.safetensors")]
    [InlineData("o/../m.gguf")]
    public void Anything_else_is_refused_in_one_line(string text)
    {
        Assert.False(ModelSpec.TryParse(text, Hub, null, out _, out var error));
        Assert.DoesNotContain('\n', error!);
    }
}
