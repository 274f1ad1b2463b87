using System.ClientModel;
using OpenAI;
using OpenAI.Chat;

namespace AgentHost.Tests.Http;

/// <summary>The official OpenAI .NET SDK (what SK's OpenAI connector uses), pointed at the host, works unchanged.</summary>
public sealed class OpenAISdkTests
{
    [Fact]
    public async Task The_sdk_gets_a_non_streaming_answer_and_sees_the_backend_header()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Mlx.Faults.StatusCode = 503;
        var client = Client(gateway, "anything");

        ClientResult<ChatCompletion> result = await client.CompleteChatAsync(
            [new SystemChatMessage("Be brief."), new UserChatMessage("hello sdk")],
            new ChatCompletionOptions { Temperature = 0.2f, MaxOutputTokenCount = 64 });

        var completion = result.Value;
        Assert.Equal("Ollama: hello sdk", completion.Content.Single().Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.StartsWith("llama3.2", completion.Model);
        Assert.StartsWith("chatcmpl-", completion.Id);
        Assert.True(completion.Usage.OutputTokenCount > 0);
        Assert.True(result.GetRawResponse().Headers.TryGetValue("x-agent-backend", out var backend));
        Assert.Equal("Ollama", backend);
    }

    [Fact]
    public async Task The_sdk_streams_an_answer_chunk_by_chunk_with_usage()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"]);
        gateway.Ollama.Faults.Answer = _ => "streaming through the official client works";
        // Paced like a generating model, a word a line: a burst would rightly be one chunk, and a cold client's first
        // parse can outlast a gap (the first lines then arrive together), so six lines leave room.
        gateway.Ollama.Faults.ChunkDelay = TimeSpan.FromMilliseconds(100);
        gateway.Ollama.WordsPerChunk = 1;
        var client = Client(gateway, "anything");

        var parts = new List<string>();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("go")]))
        {
            parts.AddRange(update.ContentUpdate.Select(p => p.Text));
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal("streaming through the official client works", string.Concat(parts));
        Assert.True(parts.Count(p => p.Length > 0) >= 3, $"several chunks, not one: {string.Join("|", parts)}");
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.True(usage?.TotalTokenCount > 0, "the SDK asks for usage (stream_options.include_usage) and gets it");
    }

    [Fact]
    public async Task The_sdk_does_its_own_function_calling_through_the_host()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Mlx", "Ollama"]);
        var client = Client(gateway, "anything");
        var tool = ChatTool.CreateFunctionTool("get_weather", "Weather in a city",
            BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));
        var options = new ChatCompletionOptions { Tools = { tool } };
        List<ChatMessage> messages = [new UserChatMessage("weather in Paris?")];

        ChatCompletion first = await client.CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "18 C and sunny"));

        ChatCompletion second = await client.CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.Stop, second.FinishReason);
        Assert.NotEmpty(second.Content.Single().Text);
    }

    [Fact]
    public async Task The_sdk_with_the_right_key_is_let_in_and_with_a_wrong_one_gets_a_401()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama"], settings: new Dictionary<string, string> { ["AgentHost:Http:ApiKey"] = "s3cret" });

        ChatCompletion answer = await Client(gateway, "s3cret").CompleteChatAsync([new UserChatMessage("hi")]);
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => Client(gateway, "wrong").CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal("Ollama: hi", answer.Content.Single().Text);
        Assert.Equal(401, refused.Status);
        Assert.Contains("Incorrect API key", refused.Message);
    }

    [Fact]
    public async Task The_sdk_surfaces_the_host_s_error_naming_each_backend_when_all_fail()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Mlx.Faults.StatusCode = 503;
        gateway.Ollama.Faults.StatusCode = 500;
        gateway.Victoria.Faults.StatusCode = 500;
        var client = new ChatClient("agent-host", new ApiKeyCredential("x"), new OpenAIClientOptions
        {
            Endpoint = new Uri(gateway.BaseAddress, "v1"),
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0),
        });

        var e = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(502, e.Status);
        Assert.Contains("Mlx", e.Message);
        Assert.Contains("Ollama", e.Message);
        Assert.Contains("Victoria", e.Message);
    }

    [Fact]
    public async Task The_sdk_selects_the_local_route_by_model_and_the_header_says_the_caller_chose_it()
    {
        await using var gateway = await RouteSelectionTests.StartAsync();
        gateway.Mlx.Faults.StatusCode = 503;
        var client = new ChatClient("local", new ApiKeyCredential("x"), new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseAddress, "v1") });

        ClientResult<ChatCompletion> result = await client.CompleteChatAsync([new UserChatMessage("which route?")]);

        Assert.Equal("Ollama: which route?", result.Value.Content.Single().Text);
        var headers = result.GetRawResponse().Headers;
        Assert.True(headers.TryGetValue("x-agent-backend", out var backend));
        Assert.Equal("Ollama", backend);
        Assert.True(headers.TryGetValue("x-agent-route", out var route));
        Assert.Equal("local; chosen-by=caller+rule:short-model", route);
        Assert.Equal(("local", "caller+rule:short-model"), AgentHost.Http.RouteHeader.Parse(route));
        Assert.Equal(0, gateway.Victoria.GenerationRequests);
    }

    [Fact]
    public async Task The_sdk_streams_from_the_backend_serving_the_model_it_names()
    {
        await using var gateway = await RouteSelectionTests.StartAsync();
        var client = new ChatClient("qwen2.5:7b", new ApiKeyCredential("x"), new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseAddress, "v1") });

        var parts = new List<string>();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("stream it")]))
        {
            parts.AddRange(update.ContentUpdate.Select(p => p.Text));
        }

        Assert.Equal("Ollama: stream it", string.Concat(parts));
        Assert.Contains(gateway.Ollama.Requests, r => r.PathAndQuery == "/api/chat" && r.Body.Contains("\"model\":\"qwen2.5:7b\"", StringComparison.Ordinal));
        Assert.Equal(0, gateway.Mlx.GenerationRequests + gateway.Victoria.GenerationRequests);
    }

    [Fact]
    public async Task The_sdk_naming_an_unknown_route_gets_a_400_listing_what_exists()
    {
        await using var gateway = await RouteSelectionTests.StartAsync();
        var client = new ChatClient("gpu", new ApiKeyCredential("x"), new OpenAIClientOptions
        {
            Endpoint = new Uri(gateway.BaseAddress, "v1"),
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0),
        });

        var e = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(400, e.Status);
        Assert.Contains("model_not_found", e.Message);
        Assert.Contains("Routes: default, agent, ask, local, plan.", e.Message);
    }

    private static ChatClient Client(TestGateway gateway, string key) =>
        new("agent-host", new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseAddress, "v1") });
}
