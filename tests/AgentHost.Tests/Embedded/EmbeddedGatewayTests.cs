using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text.Json;
using AgentHost.Tests.Http;
using OpenAI;
using OpenAI.Chat;

namespace AgentHost.Tests.Embedded;

/// <summary>
/// <c>serve</c>'s <c>POST /v1/chat/completions</c> (the real web app, <see cref="TestGateway"/>) with every server down:
/// plain and streamed answers come from Embedded, the report shows each server's failure first; the official OpenAI
/// .NET SDK gets a streamed answer from it.
/// </summary>
public sealed class EmbeddedGatewayTests
{
    [Fact]
    public async Task A_plain_answer_comes_from_Embedded_with_each_server_s_failure_in_the_report()
    {
        await using var gateway = await EverythingDown.StartGatewayAsync();

        using var response = await gateway.PostChatAsync(TestGateway.ChatBody("hi"));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("Embedded", Assert.Single(response.Headers.GetValues("x-agent-backend")));
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        Assert.Equal("tiny-llama.gguf", root.GetProperty("model").GetString());
        var choice = Assert.Single(root.GetProperty("choices").EnumerateArray());
        Assert.False(string.IsNullOrEmpty(choice.GetProperty("message").GetProperty("content").GetString()));
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString()); // the tiny model never stops by itself
        Assert.Equal(int.Parse(EverythingDown.MaxTokens, System.Globalization.CultureInfo.InvariantCulture),
            root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        var report = root.GetProperty("agent_host");
        Assert.Equal("Embedded", report.GetProperty("backend").GetString());
        EverythingDown.AssertEachServerFailedBeforeEmbedded(report.GetProperty("attempts"), "error", "skip_reason");
        Assert.True(gateway.Mlx.GenerationRequests > 0 && gateway.Ollama.GenerationRequests > 0, "the failing servers were really asked");
    }

    [Fact]
    public async Task A_streamed_answer_comes_from_Embedded_token_by_token_then_done()
    {
        await using var gateway = await EverythingDown.StartGatewayAsync();

        using var response = await gateway.PostChatAsync(TestGateway.ChatBody("hi", stream: true));

        var raw = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, raw);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Embedded", Assert.Single(response.Headers.GetValues("x-agent-backend")));
        Assert.EndsWith("data: [DONE]\n\n", raw);
        var data = TestGateway.SseData(raw);
        var chunks = data.Where(d => d != "[DONE]").Select(d => JsonDocument.Parse(d).RootElement).ToList();
        var texts = chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Select(d => d.TryGetProperty("content", out var t) ? t.GetString() ?? "" : "")
            .Where(t => t.Length > 0).ToList();
        Assert.True(texts.Count >= 3, $"the answer arrives token by token, not in one piece: {texts.Count} content chunks");
        Assert.False(string.IsNullOrEmpty(TestGateway.StreamedText(data)));
        Assert.All(chunks, c => Assert.Equal("tiny-llama.gguf", c.GetProperty("model").GetString()));

        // The first chunk and the finishing one carry the report: Embedded after each server's failure.
        var first = chunks[0].GetProperty("agent_host");
        Assert.Equal("Embedded", first.GetProperty("backend").GetString());
        EverythingDown.AssertEachServerFailedBeforeEmbedded(first.GetProperty("attempts"), "error", "skip_reason");
        var finish = chunks.Single(c => c.GetProperty("choices").GetArrayLength() > 0
            && c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind == JsonValueKind.String);
        Assert.Equal("length", finish.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.True(finish.GetProperty("agent_host").GetProperty("complete").GetBoolean());
        EverythingDown.AssertEachServerFailedBeforeEmbedded(finish.GetProperty("agent_host").GetProperty("attempts"), "error", "skip_reason");
    }

    [Fact]
    public async Task The_OpenAI_sdk_gets_a_streamed_answer_from_Embedded()
    {
        await using var gateway = await EverythingDown.StartGatewayAsync();
        var headers = new ResponseHeaders();
        var options = new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseAddress, "v1"), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) };
        options.AddPolicy(headers, PipelinePosition.PerCall);
        var client = new ChatClient("agent-host", new ApiKeyCredential("anything"), options);

        var parts = new List<string>();
        var models = new HashSet<string>();
        ChatFinishReason? finish = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("hello from the sdk")]))
        {
            parts.AddRange(update.ContentUpdate.Select(p => p.Text).Where(t => t.Length > 0));
            if (!string.IsNullOrEmpty(update.Model))
            {
                models.Add(update.Model);
            }

            finish ??= update.FinishReason;
        }

        Assert.True(parts.Count >= 3, $"several streamed updates, not one: {parts.Count}");
        Assert.False(string.IsNullOrEmpty(string.Concat(parts)));
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.Equal(["tiny-llama.gguf"], models);
        Assert.Equal("Embedded", headers.Backend);
        Assert.True(gateway.Mlx.GenerationRequests > 0 && gateway.Ollama.GenerationRequests > 0, "the failing servers were asked first");
    }

    /// <summary>Reads the <c>x-agent-backend</c> header off the SDK's raw response (the SDK does not surface it for streams).</summary>
    private sealed class ResponseHeaders : PipelinePolicy
    {
        public string? Backend { get; private set; }

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            ProcessNext(message, pipeline, currentIndex);
            Read(message);
        }

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            await ProcessNextAsync(message, pipeline, currentIndex);
            Read(message);
        }

        private void Read(PipelineMessage message)
        {
            if (message.Response?.Headers.TryGetValue("x-agent-backend", out var backend) == true)
            {
                Backend = backend;
            }
        }
    }
}
