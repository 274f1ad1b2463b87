using AgentHost.Connectors.Mlx.Core;
using Microsoft.Extensions.AI;

namespace AgentHost.Connectors.Mlx.Tests.Core;

public sealed class MlxPromptRendererTests
{
    [Fact]
    public void Single_user_turn_is_sent_as_it_is()
    {
        Assert.Equal("hello", MlxPromptRenderer.Render([new(ChatRole.User, "hello")]));
    }

    [Fact]
    public void Several_system_messages_form_one_preamble()
    {
        ChatMessage[] history = [new(ChatRole.System, "Rule one."), new(ChatRole.System, "Rule two."), new(ChatRole.User, "Go.")];

        Assert.Equal("Rule one.\nRule two.\n\nGo.", MlxPromptRenderer.Render(history));
    }

    [Fact]
    public void Later_system_and_tool_messages_keep_their_place_in_the_transcript()
    {
        ChatMessage[] history =
        [
            new(ChatRole.User, "Weather?"),
            new(ChatRole.Assistant, "Checking."),
            new(ChatRole.Tool, "sunny"),
            new(ChatRole.System, "Answer in one word."),
            new(ChatRole.User, "So?"),
        ];

        Assert.Equal(
            "User: Weather?\n\nAssistant: Checking.\n\nTool: sunny\n\nSystem: Answer in one word.\n\nUser: So?\n\nAssistant:",
            MlxPromptRenderer.Render(history));
    }

    [Fact]
    public void Messages_without_text_are_skipped()
    {
        ChatMessage[] history =
        [
            new(ChatRole.User, "a"),
            new(ChatRole.Assistant, [new FunctionCallContent("call-1", "f")]),
            new(ChatRole.User, "b"),
        ];

        Assert.Equal("User: a\n\nUser: b\n\nAssistant:", MlxPromptRenderer.Render(history));
    }

    [Fact]
    public void Only_system_text_is_sent_as_it_is()
    {
        Assert.Equal("Summarise.", MlxPromptRenderer.Render([new(ChatRole.System, "Summarise.")]));
    }
}
