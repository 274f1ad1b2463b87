using AgentHost.Connectors.Victoria.Core;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Connectors.Victoria.Tests.Core;

/// <summary>The chat → Victoria run request mapping, without HTTP.</summary>
public sealed class VictoriaRequestMapperTests
{
    /// <summary>Maps an SK history as SK's adapter hands it to the client: as MEAI messages.</summary>
    private static VictoriaRunRequest Map(ChatHistory history, VictoriaOptions? options = null, VictoriaPromptExecutionSettings? settings = null) =>
        VictoriaRequestMapper.Map([.. history.Select(m => m.ToChatMessage())], settings ?? new VictoriaPromptExecutionSettings(), options ?? new VictoriaOptions());

    [Fact]
    public void A_single_user_message_is_the_goal_with_no_history()
    {
        var history = new ChatHistory();
        history.AddUserMessage("hello");

        var request = Map(history);

        Assert.Equal("hello", request.Goal);
        Assert.Null(request.ChatHistory);
        Assert.Null(request.ProjectContext);
    }

    [Fact]
    public void Several_system_and_developer_messages_form_one_preamble()
    {
        var history = new ChatHistory("Rule one.");
        history.AddDeveloperMessage("Rule two.");
        history.AddUserMessage("do it");

        Assert.Equal("Rule one.\n\nRule two.\n\ndo it", Map(history).Goal);
    }

    [Fact]
    public void Unmatched_turns_get_an_empty_partner_and_tool_turns_are_skipped()
    {
        var history = new ChatHistory();
        history.AddAssistantMessage("welcome");
        history.AddUserMessage("u1");
        history.AddUserMessage("u2");
        history.Add(new ChatMessageContent(AuthorRole.Tool, "tool output"));
        history.AddAssistantMessage("a2");
        history.AddUserMessage("goal");

        var pairs = Map(history).ChatHistory!;

        Assert.Equal([new VictoriaExchange("", "welcome"), new VictoriaExchange("u1", ""), new VictoriaExchange("u2", "a2")], pairs);
    }

    [Fact]
    public void Messages_after_the_last_user_message_are_not_sent()
    {
        var history = new ChatHistory();
        history.AddUserMessage("goal");
        history.AddAssistantMessage("partial assistant prefill");

        var request = Map(history);

        Assert.Equal("goal", request.Goal);
        Assert.Null(request.ChatHistory);
    }

    [Fact]
    public void Settings_override_configured_max_steps_and_blank_values_are_omitted()
    {
        var history = new ChatHistory();
        history.AddUserMessage("go");

        var request = Map(history, new VictoriaOptions { MaxSteps = 100, ProjectContext = " " }, new VictoriaPromptExecutionSettings { MaxSteps = 3, SessionId = "" });

        Assert.Equal(3, request.MaxSteps);
        Assert.Null(request.ProjectContext);
        Assert.Null(request.SessionId);
    }

    [Fact]
    public void Text_items_of_a_multi_part_message_are_joined()
    {
        var history = new ChatHistory();
        history.AddUserMessage([new TextContent("part one"), new ImageContent(new Uri("https://example.test/x.png")), new TextContent("part two")]);

        Assert.Equal("part one\npart two", Map(history).Goal);
    }
}
