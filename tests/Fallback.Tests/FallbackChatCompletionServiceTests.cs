using System.Net;
using AgentHost.Backends;
using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Fallback.Tests;

public sealed class FallbackChatCompletionServiceTests
{
    [Fact]
    public async Task The_SK_face_carries_the_report_in_message_metadata()
    {
        var a = new FakeChatClient("A").Throws(new BackendHttpOperationException("A", HttpStatusCode.BadGateway, null, null, null));
        var b = new FakeChatClient("B").Answers("from B");
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A", "B"]);
        var service = h.Provider.GetRequiredService<IChatCompletionService>();

        var message = await service.GetChatMessageContentAsync(new ChatHistory("be brief") { new ChatMessageContent(AuthorRole.User, "hi") });

        Assert.IsType<FallbackChatCompletionService>(service);
        Assert.Equal("from B", message.Content);
        var report = message.GetFallbackReport()!;
        Assert.Equal("B", report.Backend);
        Assert.Equal(["A: 502 BadGateway", "B: answered"], report.Attempts.Select(x => x.ToString()));
    }

    [Fact]
    public async Task The_SK_face_streams_with_the_report_on_the_first_and_last_chunk()
    {
        var b = new FakeChatClient("B").Answers("a", "b", "c");
        await using var h = new ChainHarness().Backend("B", b).Chain(o => o.Order = ["B"]);
        var service = h.Provider.GetRequiredService<IChatCompletionService>();

        var chunks = await service.GetStreamingChatMessageContentsAsync(new ChatHistory { new ChatMessageContent(AuthorRole.User, "hi") }).ToListAsync();

        Assert.Equal("abc", string.Concat(chunks.Select(c => c.Content)));
        Assert.False(chunks[0].GetFallbackReport()!.IsComplete);
        Assert.True(chunks[^1].GetFallbackReport()!.IsComplete);
        Assert.Equal("B", chunks[^1].GetFallbackReport()!.Backend);
    }

    [Fact]
    public async Task SK_streaming_callers_are_told_of_a_failover_before_the_content_and_the_history_gets_only_the_answer()
    {
        var a = new FakeChatClient("A").Throws(new BackendHttpOperationException("A", HttpStatusCode.InternalServerError, "Generation failed", null, null));
        var b = new FakeChatClient("B").Answers("a", "bc");
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A", "B"]);
        var service = h.Provider.GetRequiredService<IChatCompletionService>();

        var chunks = await service.GetStreamingChatMessageContentsAsync(new ChatHistory { new ChatMessageContent(AuthorRole.User, "hi") }).ToListAsync();

        Assert.Equal("A failed (500 Generation failed) → trying B", chunks[0].GetFallbackProgress()?.Message);
        Assert.True(string.IsNullOrEmpty(chunks[0].Content));
        Assert.Equal("abc", string.Concat(chunks.Select(c => c.Content)));
        Assert.Equal("B", chunks[^1].GetFallbackReport()!.Backend);
    }

    [Fact]
    public async Task SK_function_calling_sits_above_the_chain_so_a_failing_second_step_fails_over_alone()
    {
        var invoked = 0;
        var a = new FakeChatClient("A").Then(CallFirstTool).Throws(new BackendHttpOperationException("A", HttpStatusCode.ServiceUnavailable, "died", null, null));
        var b = new FakeChatClient("B").Then(call => FakeChatClient.Stream([$"The number is {ResultIn(call)}"]));
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A", "B"]);
        h.Services.AddKernel().Plugins.AddFromFunctions("Tools", [KernelFunctionFactory.CreateFromMethod(() => { Interlocked.Increment(ref invoked); return "42"; }, "GetNumber")]);
        var kernel = h.Provider.GetRequiredService<Kernel>();
        var history = new ChatHistory { new ChatMessageContent(AuthorRole.User, "what number?") };

        var answer = await kernel.GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync(
            history, new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }, kernel);

        Assert.Equal(1, invoked);
        Assert.Equal("The number is 42", answer.Content);
        Assert.Equal(["A: 503 died", "B: answered"], answer.GetFallbackReport()!.Attempts.Select(x => x.ToString()));
        Assert.Equal(3, history.Count); // user, assistant tool call, tool result: nothing from the failed attempt
        Assert.Equal(AuthorRole.Tool, history[^1].Role);
        Assert.Equal("A", history[1].GetFallbackReport()!.Backend);
    }

    [Fact]
    public async Task MEAI_function_invocation_above_the_chain_behaves_the_same()
    {
        var invoked = 0;
        var a = new FakeChatClient("A").Then(CallFirstTool).Throws(new IOException("connection reset"));
        var b = new FakeChatClient("B").Then(call => FakeChatClient.Stream([$"The number is {ResultIn(call)}"]));
        await using var h = new ChainHarness().Backend("A", a).Backend("B", b).Chain(o => o.Order = ["A", "B"]);
        using var client = h.Client.AsBuilder().UseFunctionInvocation().Build();
        var tool = AIFunctionFactory.Create(() => { Interlocked.Increment(ref invoked); return "42"; }, "GetNumber");

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "what number?")], new ChatOptions { Tools = [tool] });

        Assert.Equal(1, invoked);
        Assert.Equal("The number is 42", response.Text);
        Assert.Equal("B", response.GetFallbackReport()!.Backend);
        Assert.Equal(3, response.Messages.Count); // tool call, tool result, answer
    }

    [Fact]
    public async Task A_prompt_naming_an_unknown_service_id_and_model_id_still_reaches_the_chain()
    {
        var b = new FakeChatClient("B").Answers("prompted");
        await using var h = new ChainHarness().Backend("B", b).Chain(o => o.Order = ["B"]);
        h.Services.AddKernel();
        var kernel = h.Provider.GetRequiredService<Kernel>();
        var settings = new PromptExecutionSettings { ModelId = "gpt-4o", ServiceId = "azure-gpt-4" };

        var result = await kernel.InvokePromptAsync("Say {{$word}}", new KernelArguments(settings) { ["word"] = "hi" });

        Assert.Equal("prompted", result.ToString());
        Assert.Equal("B", result.GetFallbackReport()!.Backend);
        Assert.Null(b.Received[0].Options?.ModelId);
        Assert.Equal("Say hi", b.Received[0].Messages[^1].Text);
    }

    private static IAsyncEnumerable<ChatResponseUpdate> CallFirstTool(CallInfo call)
    {
        var name = call.Options!.Tools![0].Name;
        return Yield(new ChatResponseUpdate(ChatRole.Assistant, [new Microsoft.Extensions.AI.FunctionCallContent("call-1", name)]) { MessageId = "m-tool" });
    }

    private static string? ResultIn(CallInfo call) =>
        call.Messages.SelectMany(m => m.Contents).OfType<Microsoft.Extensions.AI.FunctionResultContent>().Select(r => r.Result?.ToString()).LastOrDefault();

    private static async IAsyncEnumerable<ChatResponseUpdate> Yield(ChatResponseUpdate update)
    {
        await Task.Yield();
        yield return update;
    }
}
