using AgentHost.Connectors.Embedded.Tests.TestSupport;
using LLama;
using LLama.Common;
using Microsoft.Extensions.AI;

namespace AgentHost.Connectors.Embedded.Tests.Core;

/// <summary>The prompt is rendered with the model's own (ChatML) template, not LLamaSharp's plain "User:" format.</summary>
public sealed class EmbeddedPromptRendererTests : IDisposable
{
    private readonly LLamaWeights _weights = LLamaWeights.LoadFromFile(new ModelParams(TinyModel.Path) { ContextSize = 256, GpuLayerCount = 0 });

    public void Dispose() => _weights.Dispose();

    [Fact]
    public void The_chat_is_rendered_with_the_models_chatml_template_and_opens_the_assistant_turn()
    {
        var prompt = EmbeddedPromptRenderer.Render(_weights,
        [
            new(ChatRole.System, "Be brief."),
            new(ChatRole.User, "hi"),
            new(ChatRole.Assistant, "hello"),
            new(ChatRole.User, "how are you?"),
        ]);

        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n" +
            "<|im_start|>user\nhi<|im_end|>\n" +
            "<|im_start|>assistant\nhello<|im_end|>\n" +
            "<|im_start|>user\nhow are you?<|im_end|>\n" +
            "<|im_start|>assistant\n",
            prompt);
        Assert.DoesNotContain("User:", prompt);
    }

    [Fact]
    public void Tool_calls_and_results_from_earlier_steps_are_rendered_as_text()
    {
        var prompt = EmbeddedPromptRenderer.Render(_weights,
        [
            new(ChatRole.User, "time?"),
            new(ChatRole.Assistant, [new FunctionCallContent("c1", "clock")]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", "12:00")]),
        ]);

        Assert.Contains("<|im_start|>assistant\n[called clock]<|im_end|>", prompt);
        Assert.Contains("<|im_start|>tool\n12:00<|im_end|>", prompt);
        Assert.EndsWith("<|im_start|>assistant\n", prompt);
    }
}
