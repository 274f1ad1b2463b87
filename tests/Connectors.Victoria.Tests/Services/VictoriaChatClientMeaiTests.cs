using AgentHost.Backends;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;

namespace AgentHost.Connectors.Victoria.Tests.Services;

/// <summary>What MEAI callers see of <see cref="VictoriaChatClient"/>, and settings that cross SK's adapter.</summary>
public sealed class VictoriaChatClientMeaiTests
{
    private static IChatClient Client(VictoriaTestHost host) => host.Services.GetRequiredKeyedService<IChatClient>(BackendNames.Victoria);

    [Fact]
    public async Task The_response_names_model_finish_reason_and_carries_the_metadata_keys()
    {
        await using var host = await VictoriaTestHost.StartAsync();

        var response = await Client(host).GetResponseAsync("count");

        Assert.Equal("Victoria: count", response.Text);
        Assert.Equal(VictoriaChatClient.DefaultModelId, response.ModelId);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal("success", response.AdditionalProperties![VictoriaMetadataKeys.Status]);
        Assert.Equal("success", response.Messages.Single().AdditionalProperties![VictoriaMetadataKeys.Status]);
        Assert.Null(response.Usage);
    }

    [Fact]
    public async Task Stream_endpoint_progress_arrives_as_updates_without_contents()
    {
        await using var host = await VictoriaTestHost.StartAsync(o => o.UseStreamEndpoint = true, emulator: e =>
        {
            e.StreamRouteEnabled = true;
            e.Faults.Answer = _ => "one two three four five six seven";
        });

        var updates = await Client(host).GetStreamingResponseAsync("go").ToListAsync();

        Assert.Equal("one two three four five six seven ", updates.ToChatResponse().Text);
        var progress = updates.Where(u => u.Contents.Count == 0).ToList();
        Assert.Equal(["progress", "step"], progress.Select(u => (string)u.AdditionalProperties![VictoriaMetadataKeys.StreamEvent]!));
        Assert.All(updates, u => Assert.Equal(ChatRole.Assistant, u.Role));
    }

    [Fact]
    public async Task Max_steps_and_session_id_come_from_additional_properties_and_instructions_from_the_options()
    {
        await using var host = await VictoriaTestHost.StartAsync(o => o.MaxSteps = 50);

        await Client(host).GetResponseAsync("go", new ChatOptions
        {
            Instructions = "Be brief.",
            AdditionalProperties = new() { [VictoriaPromptExecutionSettings.MaxStepsKey] = 4, [VictoriaPromptExecutionSettings.SessionIdKey] = "s-1" },
        });

        var body = Assert.Single(host.RunBodies());
        Assert.Equal("Be brief.\n\ngo", body.GetProperty("goal").GetString());
        Assert.Equal(4, body.GetProperty("max_steps").GetInt32());
        Assert.Equal("s-1", body.GetProperty("session_id").GetString());
    }

    [Fact]
    public async Task Victoria_settings_survive_the_sk_adapter_to_the_wire()
    {
        await using var host = await VictoriaTestHost.StartAsync(o => o.MaxSteps = 50);
        var history = new ChatHistory();
        history.AddUserMessage("go");

        await host.Chat.GetChatMessageContentAsync(history, new VictoriaPromptExecutionSettings { MaxSteps = 3, SessionId = "s-9" });

        var body = Assert.Single(host.RunBodies());
        Assert.Equal(3, body.GetProperty("max_steps").GetInt32());
        Assert.Equal("s-9", body.GetProperty("session_id").GetString());
    }

    [Fact]
    public async Task Client_metadata_names_the_provider_endpoint_and_model()
    {
        await using var host = await VictoriaTestHost.StartAsync(o => o.Model = "lead");

        var metadata = Client(host).GetService<ChatClientMetadata>()!;

        Assert.Equal(("victoria", host.Emulator.BaseAddress, "lead"), (metadata.ProviderName, metadata.ProviderUri, metadata.DefaultModelId));
        Assert.Equal("lead", host.Chat.GetModelId());
    }
}
