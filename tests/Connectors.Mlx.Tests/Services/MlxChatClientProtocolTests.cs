using System.Text.Json;
using AgentHost.Connectors.Mlx.Tests.Support;
using AgentHost.Emulators.Mlx;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;
using static AgentHost.Connectors.Mlx.Tests.Support.ChatExtensions;

namespace AgentHost.Connectors.Mlx.Tests.Services;

/// <summary>The opt-in protocols: <c>/api/chat</c> of newer builds and OpenAI's shape of <c>mlx_lm.server</c>.</summary>
public sealed class MlxChatClientProtocolTests
{
    [Fact]
    public async Task Chat_protocol_posts_messages_with_options_to_api_chat()
    {
        await using var mlx = await MlxBackend.StartAsync(o => o.Protocol = MlxProtocol.Chat, e => e.ChatRouteEnabled = true);
        var history = new ChatHistory("Be brief.");
        history.AddUserMessage("Hi");
        history.AddAssistantMessage("Hello.");
        history.AddUserMessage("Bye");

        var answer = await mlx.Chat.GetChatMessageContentAsync(history, new MlxPromptExecutionSettings { Temperature = 0.25f, MaxTokens = 64 });

        Assert.Equal("MLX: Bye", answer.Content);
        var body = mlx.LastBody("/api/chat");
        Assert.Equal("default", body.GetProperty("model").GetString());
        Assert.Equal(
            ["system:Be brief.", "user:Hi", "assistant:Hello.", "user:Bye"],
            body.GetProperty("messages").EnumerateArray().Select(m => $"{m.GetProperty("role").GetString()}:{m.GetProperty("content").GetString()}"));
        Assert.Equal(64, body.GetProperty("options").GetProperty("num_predict").GetInt32());
        Assert.Equal(0.25, body.GetProperty("options").GetProperty("temperature").GetDouble(), 3);
        Assert.DoesNotContain(mlx.Emulator.Requests, r => r.PathAndQuery == "/api/generate");
    }

    [Fact]
    public async Task Chat_protocol_streams_the_response_keys()
    {
        await using var mlx = await MlxBackend.StartAsync(o => o.Protocol = MlxProtocol.Chat, e =>
        {
            e.ChatRouteEnabled = true;
            e.Faults.ChunkDelay = MlxBackend.LinePace;
        });

        var updates = await mlx.Chat.StreamAllAsync(History("yo"));

        Assert.Equal("MLX: yo", updates.Text());
        Assert.Equal(7, updates.Count);
    }

    [Fact]
    public async Task OpenAI_protocol_answers_with_usage_and_finish_reason()
    {
        await using var mlx = await MlxBackend.StartAsync(o => o.Protocol = MlxProtocol.OpenAI, e => e.OpenAIMode = true);

        var answer = await mlx.Chat.GetChatMessageContentAsync(History("two words", system: "sys"));

        Assert.Equal("MLX: two words", answer.Content);
        Assert.Equal(MlxEmulator.OpenAIModel, answer.ModelId);
        Assert.Equal("stop", answer.Metadata![MlxMetadataKeys.DoneReason]);
        Assert.Equal(3, answer.Metadata[MlxMetadataKeys.CompletionTokens]);
        Assert.Equal(12, answer.Metadata[MlxMetadataKeys.PromptTokens]);
        var body = mlx.LastBody("/v1/chat/completions");
        Assert.Equal("system", body.GetProperty("messages")[0].GetProperty("role").GetString());
        Assert.Equal(512, body.GetProperty("max_tokens").GetInt32());
        Assert.False(body.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task OpenAI_protocol_streams_sse_events_as_separate_updates()
    {
        await using var mlx = await MlxBackend.StartAsync(o => o.Protocol = MlxProtocol.OpenAI, e => e.OpenAIMode = true);

        var updates = await mlx.Chat.StreamAllAsync(History("three little words"));

        var text = updates.Where(u => !string.IsNullOrEmpty(u.Content)).Select(u => u.Content).ToList();
        Assert.Equal(["MLX: ", "three ", "little ", "words"], text);
        Assert.Equal("stop", updates.Last().Metadata![MlxMetadataKeys.DoneReason]);
        Assert.True(mlx.LastBody("/v1/chat/completions").GetProperty("stream").GetBoolean());
    }
}
