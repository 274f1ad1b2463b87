using AgentHost.Fallback.Benchmarks.Backends;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Fallback.Benchmarks.Benchmarks;

/// <summary>The comparison points built over a fixture's in-memory backends (the very same instances the chain calls).</summary>
internal static class Faces
{
    /// <summary>MEAI 10.11's <see cref="OrderedFailoverChatClient"/> over [Primary, Secondary].</summary>
    public static IChatClient MeaiFailover(ChainFixture fixture) =>
        new OrderedFailoverChatClient([fixture.Primary, fixture.Secondary], leaveOpen: true);

    /// <summary>SK's <c>AsChatCompletionService</c> adapter alone over the direct backend.</summary>
    public static IChatCompletionService SkAdapter(ChainFixture fixture) => fixture.Primary.AsChatCompletionService(fixture.Services);

    /// <summary>
    /// The stack the chain's SK face puts above the chain (SK kernel function invocation + the adapter), over the direct
    /// backend instead of the chain: what <see cref="FallbackChatCompletionService"/> costs minus this is the chain's share.
    /// </summary>
    public static IChatCompletionService SkStack(ChainFixture fixture) =>
        fixture.Primary.AsBuilder()
            .UseKernelFunctionInvocation(fixture.Services.GetService<ILoggerFactory>())
            .Build(fixture.Services)
            .AsChatCompletionService(fixture.Services);

    public static ChatHistory NewHistory()
    {
        var history = new ChatHistory();
        history.AddUserMessage("Say hello.");
        return history;
    }

    public static string Text(this ChatMessageContent content) => content.Content ?? string.Empty;

    public static async Task<string> StreamTextAsync(IChatClient client)
    {
        var text = string.Empty;
        await foreach (var update in client.GetStreamingResponseAsync(ChainFixture.Messages))
        {
            text += update.Text;
        }

        return text;
    }

    public static async Task<string> StreamTextAsync(IChatCompletionService service, ChatHistory history)
    {
        var text = string.Empty;
        await foreach (var chunk in service.GetStreamingChatMessageContentsAsync(history))
        {
            text += chunk.Content;
        }

        return text;
    }

    public static void CheckAnswer(string text, string who) =>
        ChainFixture.Check(text == InMemoryChatClient.Answer, $"{who} answered '{text}'");
}
