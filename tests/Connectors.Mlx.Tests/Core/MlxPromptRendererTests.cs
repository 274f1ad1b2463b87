using AgentHost.Connectors.Mlx.Core;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Connectors.Mlx.Tests.Core;

public sealed class MlxPromptRendererTests
{
    [Fact]
    public void Single_user_turn_is_sent_as_it_is()
    {
        Assert.Equal("hello", MlxPromptRenderer.Render([new(AuthorRole.User, "hello")]));
    }

    [Fact]
    public void Several_system_messages_form_one_preamble()
    {
        var history = new ChatHistory();
        history.AddSystemMessage("Rule one.");
        history.AddSystemMessage("Rule two.");
        history.AddUserMessage("Go.");

        Assert.Equal("Rule one.\nRule two.\n\nGo.", MlxPromptRenderer.Render(history));
    }

    [Fact]
    public void Later_system_and_tool_messages_keep_their_place_in_the_transcript()
    {
        var history = new ChatHistory();
        history.AddUserMessage("Weather?");
        history.AddAssistantMessage("Checking.");
        history.Add(new ChatMessageContent(AuthorRole.Tool, "sunny"));
        history.AddSystemMessage("Answer in one word.");
        history.AddUserMessage("So?");

        Assert.Equal(
            "User: Weather?\n\nAssistant: Checking.\n\nTool: sunny\n\nSystem: Answer in one word.\n\nUser: So?\n\nAssistant:",
            MlxPromptRenderer.Render(history));
    }

    [Fact]
    public void Messages_without_text_are_skipped()
    {
        var history = new ChatHistory();
        history.AddUserMessage("a");
        history.Add(new ChatMessageContent(AuthorRole.Assistant, items: [new FunctionCallContent("f")]));
        history.AddUserMessage("b");

        Assert.Equal("User: a\n\nUser: b\n\nAssistant:", MlxPromptRenderer.Render(history));
    }

    [Fact]
    public void Only_system_text_is_sent_as_it_is()
    {
        Assert.Equal("Summarise.", MlxPromptRenderer.Render([new(AuthorRole.System, "Summarise.")]));
    }
}
