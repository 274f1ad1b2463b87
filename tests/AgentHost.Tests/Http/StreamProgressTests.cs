using System.ClientModel;
using System.Net;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;

namespace AgentHost.Tests.Http;

/// <summary>
/// Issue 12 item 4: while a streamed call is still looking for a backend, each failed or skipped backend is an SSE
/// comment before any content (as the seed's chat says "Victoria unavailable, checking MLX and Ollama").
/// </summary>
public sealed class StreamProgressTests
{
    private static Dictionary<string, string> ProgressAt(string after) => new() { ["AgentHost:Http:ProgressAfter"] = after };

    [Fact]
    public async Task Each_failed_backend_is_an_sse_comment_before_the_content_and_the_body_names_who_answered()
    {
        await using var gateway = await TestGateway.StartAsync(settings: ProgressAt("00:00:00"));
        gateway.Mlx.Faults.StatusCode = 503; // what the MLX server refuses a stream with before it starts (a 500 comes as a cut)
        gateway.Mlx.Faults.ErrorMessage = "model loading";

        using var response = await gateway.PostChatAsync(TestGateway.ChatBody("hi", stream: true));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var raw = await response.Content.ReadAsStringAsync();
        Assert.StartsWith(": agent-host: Mlx failed (503 model loading) → trying Ollama\n\ndata: ", raw, StringComparison.Ordinal);
        var data = TestGateway.SseData(raw);
        Assert.Equal("Ollama: hi", TestGateway.StreamedText(data));
        Assert.Equal("[DONE]", data[^1]);
        using var first = JsonDocument.Parse(data[0]);
        Assert.Equal("Ollama", first.RootElement.GetProperty("agent_host").GetProperty("backend").GetString());
        // The headers went out with the comment, before the backend was known; the route was known.
        Assert.False(response.Headers.Contains("x-agent-backend"));
        Assert.Equal("default; chosen-by=rule:short-model", Assert.Single(response.Headers.GetValues("x-agent-route")));
    }

    [Fact]
    public async Task A_failover_that_answers_within_progress_after_sends_no_comment_and_keeps_the_backend_header()
    {
        await using var gateway = await TestGateway.StartAsync(settings: ProgressAt("00:01:00"));
        gateway.Mlx.Faults.StatusCode = 500;

        using var response = await gateway.PostChatAsync(TestGateway.ChatBody("hi", stream: true));

        var raw = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("data: ", raw, StringComparison.Ordinal);
        Assert.Equal("Ollama", Assert.Single(response.Headers.GetValues("x-agent-backend")));
    }

    [Fact]
    public async Task A_chain_still_looking_after_progress_after_says_so_while_the_next_backend_is_slow()
    {
        // Default ProgressAfter (1 s): Ollama takes 3 s to its first byte, so the comment goes out while the chain waits.
        await using var gateway = await TestGateway.StartAsync();
        gateway.Mlx.Faults.StatusCode = 503; // what the MLX server refuses a stream with before it starts (a 500 comes as a cut)
        gateway.Mlx.Faults.ErrorMessage = "model loading";
        gateway.Ollama.Faults.FirstByteDelay = TimeSpan.FromSeconds(3);

        using var response = await gateway.PostChatAsync(TestGateway.ChatBody("hi", stream: true));
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body);

        Assert.Equal(": agent-host: Mlx failed (503 model loading) → trying Ollama", await reader.ReadLineAsync());
        Assert.Equal("Ollama: hi", TestGateway.StreamedText(TestGateway.SseData(await reader.ReadToEndAsync())));
    }

    [Fact]
    public async Task Once_a_comment_went_out_a_chain_that_gives_up_ends_with_an_error_event_naming_each_backend()
    {
        await using var gateway = await TestGateway.StartAsync(settings: ProgressAt("00:00:00"));
        gateway.Mlx.Faults.StatusCode = 503;
        gateway.Mlx.Faults.ErrorMessage = "model loading";
        gateway.Ollama.Faults.StatusCode = 500;
        gateway.Victoria.Faults.StatusCode = 500;
        gateway.Victoria.Faults.ErrorMessage = "agent crashed";

        using var response = await gateway.PostChatAsync(TestGateway.ChatBody("hi", stream: true));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var raw = await response.Content.ReadAsStringAsync();
        var comments = raw.Split('\n').Where(l => l.StartsWith(": agent-host: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, comments.Count);
        Assert.StartsWith(": agent-host: Mlx failed (503 model loading) → trying Ollama", comments[0]);
        Assert.StartsWith(": agent-host: Ollama failed (500", comments[1]);
        Assert.EndsWith("→ trying Victoria", comments[1]);
        var data = TestGateway.SseData(raw);
        Assert.DoesNotContain("[DONE]", data);
        using var error = JsonDocument.Parse(Assert.Single(data));
        var e = error.RootElement.GetProperty("error");
        Assert.Equal("no_backend_answered", e.GetProperty("code").GetString());
        Assert.Equal("api_error", e.GetProperty("type").GetString());
        var message = e.GetProperty("message").GetString()!;
        Assert.Contains("Mlx: 503 model loading", message);
        Assert.Contains("Ollama: 500", message);
        Assert.Contains("Victoria: 500 agent crashed", message);
        Assert.Equal(3, error.RootElement.GetProperty("agent_host").GetProperty("attempts").GetArrayLength());
    }

    [Fact]
    public async Task The_openai_sdk_reads_the_same_streamed_answer_past_the_comments()
    {
        await using var gateway = await TestGateway.StartAsync(settings: ProgressAt("00:00:00"));
        gateway.Mlx.Faults.StatusCode = 500;
        gateway.Ollama.Faults.Answer = _ => "the answer after a failover";
        var client = new ChatClient("agent-host", new ApiKeyCredential("x"), new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseAddress, "v1") });

        var parts = new List<string>();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("go")]))
        {
            parts.AddRange(update.ContentUpdate.Select(p => p.Text));
        }

        Assert.Equal("the answer after a failover", string.Concat(parts));
    }
}
