using System.Diagnostics;
using AgentHost.Backends;
using AgentHost.Connectors.Embedded.Tests.TestSupport;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentHost.Connectors.Embedded.Tests.Services;

/// <summary>The chat client against the real llama.cpp engine and the tiny model (gibberish text, real tokens).</summary>
public sealed class EmbeddedChatClientTests
{
    private static readonly ChatMessage[] Hi = [new(ChatRole.User, "hi")];

    [Fact]
    public async Task Streams_the_answer_in_several_updates_and_ends_with_usage_and_a_finish_reason()
    {
        using var services = TinyModel.Services();
        var chat = services.GetRequiredKeyedService<IChatClient>(BackendNames.Embedded);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync(Hi))
        {
            updates.Add(update);
        }

        var textUpdates = updates.Where(u => !string.IsNullOrEmpty(u.Text)).ToList();
        Assert.True(textUpdates.Count >= 3, $"expected several text updates, got {textUpdates.Count}");
        Assert.All(updates, u => Assert.Equal(ChatRole.Assistant, u.Role));
        Assert.All(updates, u => Assert.Equal("tiny-llama.gguf", u.ModelId));
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());
        var last = updates[^1];
        Assert.Equal(ChatFinishReason.Length, last.FinishReason);
        var usage = Assert.Single(last.Contents.OfType<UsageContent>()).Details;
        Assert.Equal(24, usage.OutputTokenCount);
        Assert.True(usage.InputTokenCount > 5);
    }

    [Fact]
    public async Task A_non_streaming_answer_holds_the_generated_text()
    {
        using var services = TinyModel.Services();
        var chat = services.GetRequiredKeyedService<IChatClient>(BackendNames.Embedded);

        var response = await chat.GetResponseAsync(Hi);

        Assert.False(string.IsNullOrEmpty(response.Text));
        Assert.Equal("tiny-llama.gguf", response.ModelId);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(24, response.Usage?.OutputTokenCount);
    }

    [Theory]
    [InlineData(5, 5)]    // the request lowers the limit
    [InlineData(1000, 24)] // but cannot raise it above MaxTokens
    public async Task The_token_limit_is_the_smaller_of_the_request_and_the_configuration(int requested, int expected)
    {
        using var services = TinyModel.Services();
        var chat = services.GetRequiredKeyedService<IChatClient>(BackendNames.Embedded);

        var response = await chat.GetResponseAsync(Hi, new ChatOptions { MaxOutputTokens = requested });

        Assert.Equal(expected, response.Usage?.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
    }

    [Fact]
    public async Task Cancelling_after_the_first_token_stops_generation_at_once()
    {
        // A limit the model would take a while to reach: the stream must end because of the cancellation, not the limit.
        using var services = TinyModel.Services(o => { o.MaxTokens = 100_000; o.ContextSize = 256; });
        var chat = services.GetRequiredKeyedService<IChatClient>(BackendNames.Embedded);
        using var cts = new CancellationTokenSource();
        var received = 0;
        var clock = new Stopwatch();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in chat.GetStreamingResponseAsync(Hi, cancellationToken: cts.Token))
            {
                received++;
                clock.Start();
                await cts.CancelAsync();
            }
        });

        Assert.Equal(1, received);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"stopping took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_cancelled_token_before_the_call_generates_nothing()
    {
        using var services = TinyModel.Services();
        var chat = services.GetRequiredKeyedService<IChatClient>(BackendNames.Embedded);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => chat.GetResponseAsync(Hi, cancellationToken: new CancellationToken(true)));
    }

    [Fact]
    public async Task A_prompt_longer_than_the_context_is_a_context_length_failure_413()
    {
        using var services = TinyModel.Services(o => o.ContextSize = 64);
        var chat = services.GetRequiredKeyedService<IChatClient>(BackendNames.Embedded);

        var error = await Assert.ThrowsAsync<BackendHttpOperationException>(() => chat.GetResponseAsync([new(ChatRole.User, new string('x', 600))]));

        Assert.Equal(System.Net.HttpStatusCode.RequestEntityTooLarge, error.StatusCode);
        Assert.Contains("does not fit the context window", error.Message);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_answer_and_another_seed_another()
    {
        using var services = TinyModel.Services();
        var chat = services.GetRequiredKeyedService<IChatClient>(BackendNames.Embedded);

        var first = await chat.GetResponseAsync(Hi, new ChatOptions { Seed = 7, Temperature = 0.8f });
        var second = await chat.GetResponseAsync(Hi, new ChatOptions { Seed = 7, Temperature = 0.8f });
        var other = await chat.GetResponseAsync(Hi, new ChatOptions { Seed = 8, Temperature = 0.8f });

        Assert.Equal(first.Text, second.Text);
        Assert.NotEqual(first.Text, other.Text); // the seed is what fixes the sampling, not something else
    }

    [Fact]
    public void Metadata_names_the_engine_and_the_model()
    {
        using var services = TinyModel.Services();
        var chat = services.GetRequiredKeyedService<IChatClient>(BackendNames.Embedded);

        var metadata = chat.GetService<ChatClientMetadata>();

        Assert.Equal("llama.cpp", metadata?.ProviderName);
        Assert.Equal("tiny-llama.gguf", metadata?.DefaultModelId);
        Assert.Same(chat, chat.GetService<EmbeddedChatClient>());
    }
}
