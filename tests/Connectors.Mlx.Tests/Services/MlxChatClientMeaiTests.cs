using System.Text.Json;
using AgentHost.Backends;
using AgentHost.Connectors.Mlx.Tests.Support;
using AgentHost.Emulators.Mlx;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel.ChatCompletion;
using static AgentHost.Connectors.Mlx.Tests.Support.ChatExtensions;

namespace AgentHost.Connectors.Mlx.Tests.Services;

/// <summary>What MEAI callers see of <see cref="MlxChatClient"/>: usage, finish reason, metadata, and settings through the SK face.</summary>
public sealed class MlxChatClientMeaiTests
{
    [Fact]
    public async Task Usage_and_finish_reason_are_meai_values_on_the_response_and_at_the_end_of_the_stream()
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.SendUsage = true);

        var response = await mlx.ChatClient.GetResponseAsync("one two");
        var updates = await mlx.ChatClient.GetStreamingResponseAsync("one two").ToListAsync();

        Assert.Equal((12L, 3L, 15L), (response.Usage!.InputTokenCount, response.Usage.OutputTokenCount, response.Usage.TotalTokenCount));
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal("default", response.ModelId);
        var last = updates[^1];
        var usage = Assert.IsType<UsageContent>(Assert.Single(last.Contents));
        Assert.Equal((12L, 3L), (usage.Details.InputTokenCount, usage.Details.OutputTokenCount));
        Assert.Equal(ChatFinishReason.Stop, last.FinishReason);
        var streamed = updates.ToChatResponse();
        Assert.Equal("MLX: one two", streamed.Text);
        Assert.Equal(3L, streamed.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task Without_usage_from_the_server_there_is_no_usage_and_no_invented_finish_reason()
    {
        await using var mlx = await MlxBackend.StartAsync();

        var response = await mlx.ChatClient.GetResponseAsync("x");
        var updates = await mlx.ChatClient.GetStreamingResponseAsync("x").ToListAsync();

        Assert.Null(response.Usage);
        Assert.Null(response.FinishReason);
        Assert.DoesNotContain(updates, u => u.Contents.OfType<UsageContent>().Any() || u.FinishReason is not null);
    }

    [Fact]
    public async Task Priority_and_category_in_additional_properties_override_the_options()
    {
        await using var mlx = await MlxBackend.StartAsync(o =>
        {
            o.Priority = MlxRequestPriority.High;
            o.Category = "coding";
        });

        await mlx.ChatClient.GetResponseAsync("x", new ChatOptions { AdditionalProperties = new() { ["priority"] = "low", ["category"] = "fast" } });
        await mlx.ChatClient.GetResponseAsync("y", new ChatOptions { AdditionalProperties = new() { ["priority"] = MlxRequestPriority.Medium } });

        Assert.Equal(["low", "medium"], mlx.Emulator.Requests.Select(r => r.Headers["X-Request-Priority"]));
        Assert.Equal("fast", JsonCategory(mlx, 0));
        Assert.Equal("coding", JsonCategory(mlx, 1));
    }

    [Fact]
    public async Task An_unknown_priority_is_a_caller_error_before_any_request()
    {
        await using var mlx = await MlxBackend.StartAsync();

        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            mlx.ChatClient.GetResponseAsync("x", new ChatOptions { AdditionalProperties = new() { ["priority"] = "urgent" } }));

        Assert.Contains("urgent", e.Message);
        Assert.Equal(0, mlx.Emulator.GenerationRequests);
    }

    [Fact]
    public async Task Instructions_are_sent_as_the_system_preamble()
    {
        await using var mlx = await MlxBackend.StartAsync();

        await mlx.ChatClient.GetResponseAsync("What is 2+2?", new ChatOptions { Instructions = "You are terse." });

        Assert.Equal("You are terse.\n\nWhat is 2+2?", mlx.LastBody().GetProperty("prompt").GetString());
    }

    [Fact]
    public async Task Mlx_settings_survive_the_sk_adapter_to_the_wire()
    {
        await using var mlx = await MlxBackend.StartAsync();

        await mlx.Chat.GetChatMessageContentAsync(History("x"), new MlxPromptExecutionSettings { MaxTokens = 9, Temperature = 0.5f, TopP = 0.75f, Stop = ["END"], Category = "tiny", ModelId = "m" });

        var body = mlx.LastBody();
        Assert.Equal(9, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal(0.5, body.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal("tiny", body.GetProperty("category").GetString());
        Assert.Equal("m", body.GetProperty("model").GetString());
        var options = body.GetProperty("options");
        Assert.Equal(0.75, options.GetProperty("top_p").GetDouble(), 3);
        Assert.Equal(["END"], options.GetProperty("stop").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public async Task Client_metadata_names_the_provider_and_follows_a_reloaded_endpoint_and_model()
    {
        await using var first = new MlxEmulator();
        await using var second = new MlxEmulator();
        await Task.WhenAll(first.StartAsync(), second.StartAsync());
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mlx:Endpoint"] = first.BaseAddress.ToString(),
            ["Mlx:Model"] = "fast",
        }).Build();
        await using var provider = new ServiceCollection().AddMlxChatClient(config.GetSection("Mlx")).BuildServiceProvider();
        var chat = provider.GetRequiredKeyedService<IChatClient>(BackendNames.Mlx);

        var before = chat.GetService<ChatClientMetadata>()!;
        config["Mlx:Endpoint"] = second.BaseAddress.ToString();
        config["Mlx:Model"] = "tiny";
        config.Reload();
        var after = chat.GetService<ChatClientMetadata>()!;

        Assert.Equal(("mlx", first.BaseAddress, "fast"), (before.ProviderName, before.ProviderUri, before.DefaultModelId));
        Assert.Equal(("mlx", second.BaseAddress, "tiny"), (after.ProviderName, after.ProviderUri, after.DefaultModelId));
    }

    private static string? JsonCategory(MlxBackend mlx, int index) =>
        JsonDocument.Parse(mlx.Emulator.Requests.Where(r => r.PathAndQuery == "/api/generate").ElementAt(index).Body)
            .RootElement.GetProperty("category").GetString();
}
