using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Fallback.Tests.Routing;

/// <summary>The SK face: how prompt execution settings name a route, and why a foreign model id is no error.</summary>
public sealed class SkRouteChoiceTests
{
    [Fact]
    public async Task Settings_extension_data_naming_a_route_is_a_strict_caller_choice()
    {
        await using var h = RouteChoiceTests.ThreeBackends(out _, out _, out var victoria);
        var service = h.Provider.GetRequiredService<FallbackChatCompletionService>();
        var settings = new PromptExecutionSettings { ExtensionData = new Dictionary<string, object> { [FallbackRouter.RouteKey] = "local" } };

        var answer = await service.GetChatMessageContentAsync(new ChatHistory("hello"), settings);

        Assert.Equal("from Mlx", answer.Content);
        Assert.Equal(("local", "caller"), (answer.GetFallbackReport()!.Route, answer.GetFallbackReport()!.ChosenBy));
        Assert.Equal(0, victoria.Calls);

        settings.ExtensionData[FallbackRouter.RouteKey] = "gpu";
        await Assert.ThrowsAsync<FallbackRouteNotFoundException>(() => service.GetChatMessageContentAsync(new ChatHistory("hello"), settings));
    }

    [Theory]
    [InlineData("local", "local", "caller")]
    [InlineData("gpt-4o", "default", "default")]
    public async Task A_prompt_model_id_names_a_route_or_is_ignored(string modelId, string route, string chosenBy)
    {
        await using var h = RouteChoiceTests.ThreeBackends(out _, out _, out _);
        var service = h.Provider.GetRequiredService<FallbackChatCompletionService>();

        var answer = await service.GetChatMessageContentAsync(new ChatHistory("hello"), new PromptExecutionSettings { ModelId = modelId });

        Assert.Equal((route, chosenBy), (answer.GetFallbackReport()!.Route, answer.GetFallbackReport()!.ChosenBy));
    }
}
