using AgentHost.Fallback.Core;

namespace AgentHost.Fallback.Tests.Core;

/// <summary>The seed's model choice (<c>_get_available_model</c>): wanted, a variant of its name, its fallback list, any chat model.</summary>
public sealed class ModelChooserTests
{
    private static readonly FallbackModelOptions Options = new()
    {
        Fallbacks =
        {
            new FallbackModelList { Model = "qwen2.5-coder:32b", Then = ["qwq:32b", "phi3.5:3.8b"] },
            new FallbackModelList { Model = "*", Then = ["phi3.5:3.8b"] },
        },
    };

    [Theory]
    [InlineData("llama3.2", new[] { "llama3.2:latest", "qwen2.5:7b" }, "llama3.2:latest", "Wanted")]
    [InlineData("LLAMA3.2:latest", new[] { "llama3.2" }, "llama3.2", "Wanted")]
    [InlineData("phi3.5:3.8b", new[] { "nomic-embed-text", "phi3.5" }, "phi3.5", "Variant")]
    [InlineData("phi3.5", new[] { "phi3.5:3.8b" }, "phi3.5:3.8b", "Variant")]
    [InlineData("qwen2.5-coder:32b", new[] { "tinyllama:1.1b-chat", "phi3.5:3.8b", "qwq:32b" }, "qwq:32b", "Fallback")]
    [InlineData("qwen2.5-coder:32b", new[] { "tinyllama:1.1b-chat", "phi3.5:latest" }, "phi3.5:latest", "Fallback")]
    [InlineData("mistral:7b", new[] { "llava:7b", "phi3.5:3.8b" }, "phi3.5:3.8b", "Fallback")]
    [InlineData("llama3.2", new[] { "nomic-embed-text:latest", "llava:7b", "moondream:latest", "qwen2.5:7b" }, "qwen2.5:7b", "AnyChatModel")]
    public void Picks_the_wanted_model_else_a_variant_else_its_fallbacks_else_any_chat_model(string wanted, string[] available, string expected, string how)
    {
        var (model, choice) = ModelChooser.Choose(wanted, available, Options);

        Assert.Equal((expected, how), (model, choice.ToString()));
    }

    [Fact]
    public void A_backend_with_only_embedding_and_vision_models_has_no_usable_model()
    {
        var (model, choice) = ModelChooser.Choose("llama3.2", ["nomic-embed-text:latest", "llava:13b", "bge-m3"], Options);

        Assert.Equal((null, ModelChoice.None), (model, choice));
    }

    [Fact]
    public void A_fallback_entry_that_is_no_chat_model_is_passed_over()
    {
        var options = new FallbackModelOptions { Fallbacks = { new FallbackModelList { Model = "x", Then = ["llava:7b", "qwen2.5:7b"] } } };

        Assert.Equal("qwen2.5:7b", ModelChooser.Choose("x", ["llava:7b", "qwen2.5:7b"], options).Model);
    }
}
