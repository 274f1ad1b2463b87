using System.Text.Json;
using AgentHost.Backends;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentHost.Connectors.Victoria.Tests.Services;

/// <summary>Victoria's plan operation (<c>victoria_operation: plan</c> → <c>POST /plan</c>), the seed's plan mode.</summary>
public sealed class VictoriaPlanOperationTests
{
    private static readonly ChatOptions Plan = new() { AdditionalProperties = new() { [VictoriaPromptExecutionSettings.OperationKey] = "plan" } };

    private static IChatClient Client(VictoriaTestHost host) => host.Services.GetRequiredKeyedService<IChatClient>(BackendNames.Victoria);

    [Fact]
    public async Task The_plan_operation_posts_the_goal_and_project_context_to_plan_and_answers_with_the_plan()
    {
        await using var host = await VictoriaTestHost.StartAsync(o => o.ProjectContext = "atra-web-ide", emulator: e => e.Faults.Answer = g => $"1. think about {g}\n2. do it");

        var response = await Client(host).GetResponseAsync(
            [new(ChatRole.User, "earlier"), new(ChatRole.Assistant, "earlier answer"), new(ChatRole.User, "ship v2")], Plan);

        Assert.Equal("1. think about ship v2\n2. do it", response.Text);
        var request = Assert.Single(host.Emulator.Requests, r => r.Method == "POST");
        Assert.Equal("/plan", request.PathAndQuery);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("ship v2", body.RootElement.GetProperty("goal").GetString());
        Assert.Equal("atra-web-ide", body.RootElement.GetProperty("project_context").GetString());
        Assert.False(body.RootElement.TryGetProperty("chat_history", out _)); // /plan takes the goal alone
    }

    [Fact]
    public async Task Streaming_a_plan_gives_it_as_one_chunk_even_with_the_stream_endpoint_configured()
    {
        await using var host = await VictoriaTestHost.StartAsync(o => o.UseStreamEndpoint = true, emulator: e => e.StreamRouteEnabled = true);

        var updates = await Client(host).GetStreamingResponseAsync("ship v2", Plan).ToListAsync();

        Assert.StartsWith("Plan for: ship v2", string.Concat(updates.Select(u => u.Text)));
        Assert.Single(host.Emulator.Requests, r => r.PathAndQuery == "/plan");
        Assert.DoesNotContain(host.Emulator.Requests, r => r.PathAndQuery == "/stream");
    }

    [Fact]
    public async Task A_failed_plan_is_the_http_error_with_victorias_detail()
    {
        await using var host = await VictoriaTestHost.StartAsync(emulator: e =>
        {
            e.Faults.StatusCode = 500;
            e.Faults.ErrorMessage = "planner model missing";
        });

        var error = await Assert.ThrowsAsync<BackendHttpOperationException>(() => Client(host).GetResponseAsync("ship v2", Plan));

        Assert.Equal(500, (int)error.StatusCode!);
        Assert.Contains("planner model missing", error.Message);
    }

    [Fact]
    public async Task A_deployment_that_wants_prompt_gets_the_plan_goal_as_prompt_after_its_422()
    {
        await using var host = await VictoriaTestHost.StartAsync(emulator: e => e.PromptOnlyDeployment = true);

        var response = await Client(host).GetResponseAsync("ship v2", Plan);

        Assert.StartsWith("Plan for: ship v2", response.Text);
        Assert.Equal(["/plan", "/plan"], host.Emulator.Requests.Where(r => r.Method == "POST").Select(r => r.PathAndQuery));
        Assert.Contains("\"prompt\"", host.Emulator.Requests.Last().Body);
    }

    [Theory]
    [InlineData("run")]
    [InlineData(null)]
    public async Task Run_or_no_operation_still_runs(string? operation)
    {
        await using var host = await VictoriaTestHost.StartAsync();
        var options = operation is null ? null : new ChatOptions { AdditionalProperties = new() { [VictoriaPromptExecutionSettings.OperationKey] = operation } };

        var response = await Client(host).GetResponseAsync("ship v2", options);

        Assert.Equal("Victoria: ship v2", response.Text);
        Assert.StartsWith("/run", Assert.Single(host.Emulator.Requests, r => r.Method == "POST").PathAndQuery);
    }

    [Fact]
    public async Task An_unknown_operation_is_a_clear_argument_error()
    {
        await using var host = await VictoriaTestHost.StartAsync();
        var options = new ChatOptions { AdditionalProperties = new() { [VictoriaPromptExecutionSettings.OperationKey] = "dance" } };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Client(host).GetResponseAsync("ship v2", options));

        Assert.Contains("'victoria_operation' must be 'run' or 'plan'", error.Message);
    }
}
