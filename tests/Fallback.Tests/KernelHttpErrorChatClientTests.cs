using System.Net;
using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Fallback.Tests;

/// <summary>A backend made of an SK chat service: SK's HttpOperationException is read as that backend's failure.</summary>
public sealed class KernelHttpErrorChatClientTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_sk_service_answering_503_fails_over_and_the_report_gives_its_status_and_text(bool stream)
    {
        var sk = new ThrowingChatCompletionService(new HttpOperationException(HttpStatusCode.ServiceUnavailable, """{"detail":"model loading"}""", "Service unavailable", null));
        var a = sk.AsChatClient().AsBuilder().UseKernelHttpErrors("A").Build();
        await using var h = new ChainHarness().Backend("A", a).Backend("B", new FakeChatClient("B").Answers("from B")).Chain(o => o.Order = ["A", "B"]);

        var report = stream
            ? (await h.Client.GetStreamingResponseAsync("hi").ToListAsync()).Select(u => u.GetFallbackReport()).Last(r => r is not null)!
            : (await h.Client.GetResponseAsync("hi")).GetFallbackReport()!;

        Assert.Equal("B", report.Backend);
        Assert.Equal(["A: 503 model loading", "B: answered"], report.Attempts.Select(x => x.ToString()));
    }

    [Fact]
    public async Task An_sk_service_answering_400_is_the_callers_error_and_no_other_backend_is_asked()
    {
        var sk = new ThrowingChatCompletionService(new HttpOperationException(HttpStatusCode.BadRequest, """{"error":"bad temperature"}""", "Bad request", null));
        var b = new FakeChatClient("B").Answers("from B");
        await using var h = new ChainHarness()
            .Backend("A", sk.AsChatClient().AsBuilder().UseKernelHttpErrors("A").Build())
            .Backend("B", b)
            .Chain(o => o.Order = ["A", "B"]);

        var e = await Assert.ThrowsAnyAsync<HttpRequestException>(() => h.Client.GetResponseAsync("hi"));

        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
        Assert.Contains("bad temperature", e.Message);
        Assert.Equal(0, b.Calls);
    }

    private sealed class ThrowingChatCompletionService(Exception failure) : IChatCompletionService
    {
        public IReadOnlyDictionary<string, object?> Attributes { get; } = new Dictionary<string, object?>();

        public Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(
            ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default) =>
            Task.FromException<IReadOnlyList<ChatMessageContent>>(failure);

        public async IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(
            ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            throw failure;
#pragma warning disable CS0162 // an iterator needs a yield to be one
            yield break;
#pragma warning restore CS0162
        }
    }
}
