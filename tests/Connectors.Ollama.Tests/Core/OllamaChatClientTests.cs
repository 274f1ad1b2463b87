using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using AgentHost.Backends;
using AgentHost.Connectors.Ollama.Tests.TestSupport;
using AgentHost.Emulators.Ollama;
using Microsoft.Extensions.AI;

namespace AgentHost.Connectors.Ollama.Tests.Core;

/// <summary>The registered keyed <see cref="IChatClient"/> against the emulator over real HTTP: answers and wire shape.</summary>
public sealed class OllamaChatClientTests
{
    [Fact]
    public async Task Non_streaming_answer_comes_back_whole_and_asks_for_stream_false()
    {
        await using var host = await OllamaTestHost.StartAsync();

        var response = await host.Chat.GetResponseAsync("why is the sky blue?");

        Assert.Equal("Ollama: why is the sky blue?", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        var body = JsonNode.Parse(Assert.Single(host.ChatBodies))!;
        Assert.False(body["stream"]!.GetValue<bool>());
        Assert.Equal("llama3.2", body["model"]!.GetValue<string>());
        Assert.Equal("user", body["messages"]![0]!["role"]!.GetValue<string>());
        Assert.Null(body["keep_alive"]);
    }

    [Fact]
    public async Task Streaming_answer_arrives_in_several_updates_with_usage_in_the_last()
    {
        await using var host = await OllamaTestHost.StartAsync();

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in host.Chat.GetStreamingResponseAsync("tell me about the weather in Paris"))
        {
            updates.Add(update);
        }

        Assert.Equal("Ollama: tell me about the weather in Paris", string.Concat(updates.Select(u => u.Text)));
        Assert.True(updates.Count(u => u.Text.Length > 0) >= 3);
        var usage = Assert.IsType<UsageContent>(Assert.Single(updates[^1].Contents.OfType<UsageContent>()));
        Assert.Equal(8, usage.Details.InputTokenCount);      // 7 words + 1, as the emulator counts
        Assert.Equal(4, usage.Details.OutputTokenCount);     // 4 chunks of 2 words
        Assert.True(JsonNode.Parse(Assert.Single(host.ChatBodies))!["stream"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Non_streaming_usage_is_reported()
    {
        await using var host = await OllamaTestHost.StartAsync();

        var response = await host.Chat.GetResponseAsync("one two three");

        Assert.Equal(4, response.Usage?.InputTokenCount);
        Assert.True(response.Usage?.OutputTokenCount > 0);
    }

    [Fact]
    public async Task Configured_keep_alive_and_model_go_on_the_wire()
    {
        await using var host = await OllamaTestHost.StartAsync(o => { o.KeepAlive = TimeSpan.FromMinutes(30); o.Model = "qwen2.5:7b"; });

        await host.Chat.GetResponseAsync("hi");

        var body = JsonNode.Parse(Assert.Single(host.ChatBodies))!;
        Assert.Equal("1800s", body["keep_alive"]!.GetValue<string>());
        Assert.Equal("qwen2.5:7b", body["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tool_call_round_trip_through_function_invocation_calls_the_tool_once()
    {
        await using var host = await OllamaTestHost.StartAsync();
        var calls = 0;
        var tool = AIFunctionFactory.Create(() => { Interlocked.Increment(ref calls); return "sunny, 21 degrees"; }, "get_weather", "Gets the weather");
        using var client = new ChatClientBuilder(host.Chat).UseFunctionInvocation().Build();

        var response = await client.GetResponseAsync("what is the weather?", new ChatOptions { Tools = [tool] });

        Assert.Equal(1, calls);
        Assert.Equal("Ollama: what is the weather? (tool result: sunny, 21 degrees)", response.Text);
        var bodies = host.ChatBodies.Select(b => JsonNode.Parse(b)!).ToList();
        Assert.Equal(2, bodies.Count);
        Assert.Equal("get_weather", bodies[0]["tools"]![0]!["function"]!["name"]!.GetValue<string>());
        var messages = bodies[1]["messages"]!.AsArray();
        Assert.Equal("get_weather", messages[1]!["tool_calls"]![0]!["function"]!["name"]!.GetValue<string>());
        Assert.Equal("tool", messages[2]!["role"]!.GetValue<string>());
    }

    [Fact]
    public async Task Streaming_tool_call_round_trip_calls_the_tool_once()
    {
        await using var host = await OllamaTestHost.StartAsync();
        var calls = 0;
        var tool = AIFunctionFactory.Create((string city) => { Interlocked.Increment(ref calls); return $"rain in {city}"; }, "get_weather");
        host.Emulator.ToolCallScript = (messages, tools) =>
            messages[^1].Role == "user" ? new OllamaToolCall(tools[0], new Dictionary<string, object?> { ["city"] = "Oslo" }) : null;
        using var client = new ChatClientBuilder(host.Chat).UseFunctionInvocation().Build();

        var text = new StringBuilder();
        await foreach (var update in client.GetStreamingResponseAsync("weather?", new ChatOptions { Tools = [tool] }))
        {
            text.Append(update.Text);
        }

        Assert.Equal(1, calls);
        Assert.Equal("Ollama: weather? (tool result: rain in Oslo)", text.ToString());
    }

    [Fact]
    public async Task Caller_cancellation_mid_stream_ends_the_stream_at_once()
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.Faults.ChunkDelay = TimeSpan.FromSeconds(20);
        using var cts = new CancellationTokenSource();
        var received = new StringBuilder();
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in host.Chat.GetStreamingResponseAsync("a long answer please", cancellationToken: cts.Token))
            {
                received.Append(update.Text);
                cts.Cancel();
            }
        });

        Assert.Equal(cts.Token, ex.CancellationToken);
        Assert.Equal("Ollama: a ", received.ToString());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Caller_cancellation_before_the_answer_is_a_cancellation()
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.Faults.Hang = true;
        using var cts = new CancellationTokenSource();
        cts.CancelAfter(TimeSpan.FromMilliseconds(200));

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.Chat.GetResponseAsync("hi", cancellationToken: cts.Token));

        Assert.Equal(cts.Token, ex.CancellationToken);
    }

    [Fact]
    public async Task Answer_override_is_served()
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.Faults.Answer = q => "custom " + q.ToUpperInvariant();

        var response = await host.Chat.GetResponseAsync("hey");

        Assert.Equal("custom HEY", response.Text);
    }

    [Fact]
    public async Task Empty_answer_is_an_empty_reply_failure()
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.Faults.Answer = _ => string.Empty;

        var ex = await Assert.ThrowsAsync<BackendResponseException>(() => host.Chat.GetResponseAsync("hey"));

        Assert.Equal(BackendResponseProblem.Empty, ex.Problem);
    }
}
