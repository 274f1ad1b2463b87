using System.ClientModel;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using OpenAI;
using OpenAI.Embeddings;

namespace AgentHost.Tests.Http;

/// <summary>
/// <c>/v1/embeddings</c> (through the official OpenAI SDK and raw), <c>/api/embed</c> and <c>/api/embeddings</c> through
/// the embedding chain over the emulators: which backend answered, failover, and 400s for malformed bodies.
/// </summary>
public sealed class EmbeddingEndpointsTests
{
    /// <summary>MLX with its opt-in embeddings route, so it is the first embedding backend of the default order.</summary>
    private static readonly Dictionary<string, string> MlxEmbeds = new() { ["AgentHost:Backends:Mlx:Embeddings:Path"] = "/v1/embeddings" };

    [Fact]
    public async Task The_openai_sdk_gets_embeddings_from_the_first_backend_that_embeds()
    {
        await using var gateway = await TestGateway.StartAsync();
        var client = new EmbeddingClient("agent-host", new ApiKeyCredential("anything"), new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseAddress, "v1") });

        ClientResult<OpenAIEmbeddingCollection> result = await client.GenerateEmbeddingsAsync(["hello embeddings", "a second text"]);

        Assert.Equal(2, result.Value.Count);
        Assert.Equal(HashedEmbedding.Of("hello embeddings"), result.Value[0].ToFloats().ToArray());
        Assert.Equal(HashedEmbedding.Of("a second text"), result.Value[1].ToFloats().ToArray());
        Assert.Equal([0, 1], result.Value.Select(e => e.Index));
        Assert.StartsWith("nomic-embed-text", result.Value.Model);
        Assert.True(result.Value.Usage.InputTokenCount > 0);
        Assert.True(result.GetRawResponse().Headers.TryGetValue("x-agent-backend", out var backend));
        Assert.Equal("Ollama", backend); // MLX has no embeddings route unless configured; Victoria cannot embed
    }

    [Fact]
    public async Task Base64_vectors_decode_to_the_float_answer()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var floats = await PostJsonAsync(gateway, "v1/embeddings", """{"model":"agent-host","input":["base64 please"],"encoding_format":"float"}""");
        using var base64 = await PostJsonAsync(gateway, "v1/embeddings", """{"input":"base64 please","encoding_format":"base64"}""");

        var expected = floats.RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var bytes = Convert.FromBase64String(base64.RootElement.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        var decoded = Enumerable.Range(0, bytes.Length / 4).Select(i => BitConverter.ToSingle(bytes, i * 4)).ToArray();
        Assert.Equal(HashedEmbedding.Dimensions, expected.Length);
        Assert.Equal(expected, decoded);
        Assert.Equal("list", base64.RootElement.GetProperty("object").GetString());
        Assert.Equal("embedding", base64.RootElement.GetProperty("data")[0].GetProperty("object").GetString());
    }

    [Fact]
    public async Task When_the_first_embedding_backend_answers_503_the_next_one_answers_and_the_report_says_so()
    {
        await using var gateway = await TestGateway.StartAsync(settings: MlxEmbeds);
        gateway.Mlx.EmbeddingsEnabled = true;
        gateway.Mlx.Faults.StatusCode = 503;

        using var response = await PostAsync(gateway, "v1/embeddings", """{"input":"fail over"}""");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Ollama", response.Headers.GetValues("x-agent-backend").Single());
        var attempts = json.RootElement.GetProperty("agent_host").GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal(("Mlx", "failed"), (attempts[0].GetProperty("backend").GetString(), attempts[0].GetProperty("outcome").GetString()));
        Assert.StartsWith("503", attempts[0].GetProperty("error").GetString());
        Assert.Equal(HashedEmbedding.Of("fail over"), json.RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()));
    }

    [Fact]
    public async Task When_the_first_embedding_backend_refuses_connections_the_next_one_answers()
    {
        var settings = new Dictionary<string, string>(MlxEmbeds) { ["AgentHost:Backends:Mlx:Endpoint"] = $"http://127.0.0.1:{ClosedPort()}" };
        await using var gateway = await TestGateway.StartAsync(settings: settings);

        using var response = await PostAsync(gateway, "v1/embeddings", """{"input":"nobody home"}""");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Ollama", response.Headers.GetValues("x-agent-backend").Single());
        // Failed on the refusal, or (once the health probe has seen it refuse) deferred as down: the report says why either way.
        var mlx = json.RootElement.GetProperty("agent_host").GetProperty("attempts").EnumerateArray().First(a => a.GetProperty("backend").GetString() == "Mlx");
        var why = mlx.GetProperty("error").GetString() ?? mlx.GetProperty("skip_reason").GetString();
        Assert.Contains("refused", why, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_backend_name_as_model_selects_that_backend()
    {
        await using var gateway = await TestGateway.StartAsync(order: ["Ollama", "Mlx", "Victoria"], settings: MlxEmbeds);
        gateway.Mlx.EmbeddingsEnabled = true;

        using var response = await PostAsync(gateway, "v1/embeddings", """{"model":"Mlx","input":"pick mlx"}""");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal("Mlx", response.Headers.GetValues("x-agent-backend").Single());
        Assert.Equal(MlxEmulator.EmbeddingOf("pick mlx"), json.RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()));
    }

    [Fact]
    public async Task Api_embed_answers_a_list_in_ollamas_shape()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var json = await PostJsonAsync(gateway, "api/embed", """{"model":"nomic-embed-text","input":["why is the sky blue?","why is the grass green?"]}""");

        Assert.Equal("nomic-embed-text", json.RootElement.GetProperty("model").GetString());
        var embeddings = json.RootElement.GetProperty("embeddings").EnumerateArray().Select(e => e.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToList();
        Assert.Equal([HashedEmbedding.Of("why is the sky blue?"), HashedEmbedding.Of("why is the grass green?")], embeddings);
        Assert.True(json.RootElement.GetProperty("prompt_eval_count").GetInt32() > 0);
        Assert.True(json.RootElement.GetProperty("total_duration").GetInt64() > 0);
    }

    [Fact]
    public async Task Api_embeddings_answers_the_older_shape()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var response = await PostAsync(gateway, "api/embeddings", """{"model":"nomic-embed-text","prompt":"old route"}""");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal("Ollama", response.Headers.GetValues("x-agent-backend").Single());
        Assert.Equal(["embedding"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(HashedEmbedding.Of("old route"), json.RootElement.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()));
    }

    [Fact]
    public async Task An_unknown_model_is_refused_in_each_routes_own_shape()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var openai = await PostAsync(gateway, "v1/embeddings", """{"model":"text-embedding-3-small","input":"x"}""");
        using var ollama = await PostAsync(gateway, "api/embed", """{"model":"all-minilm","input":"x"}""");

        Assert.Equal(HttpStatusCode.BadRequest, openai.StatusCode);
        using var error = JsonDocument.Parse(await openai.Content.ReadAsStringAsync());
        Assert.Equal("model_not_found", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, ollama.StatusCode);
        Assert.Equal("""{"error":"model 'all-minilm' not found"}""", await ollama.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("v1/embeddings", "{not json", null)]
    [InlineData("v1/embeddings", """{"model":"agent-host"}""", "input")]
    [InlineData("v1/embeddings", """{"input":42}""", "input")]
    [InlineData("v1/embeddings", """{"input":[]}""", "input")]
    [InlineData("v1/embeddings", """{"input":["a",1]}""", "input")]
    [InlineData("v1/embeddings", """{"input":[[1,2,3]]}""", "input")]
    [InlineData("v1/embeddings", """{"input":"x","encoding_format":"int8"}""", "encoding_format")]
    [InlineData("v1/embeddings", """{"input":"x","dimensions":-3}""", "dimensions")]
    [InlineData("v1/embeddings", "[1,2]", null)]
    public async Task A_malformed_openai_body_is_a_400_naming_the_field_and_the_host_stays_up(string path, string body, string? param)
    {
        await using var gateway = await TestGateway.StartAsync();

        using var response = await PostAsync(gateway, path, body);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(0, gateway.Ollama.GenerationRequests);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync("health")).StatusCode);
    }

    [Theory]
    [InlineData("api/embed", "{not json")]
    [InlineData("api/embed", """{"model":"nomic-embed-text","input":42}""")]
    [InlineData("api/embed", """{"model":"nomic-embed-text","input":["a",{"b":1}]}""")]
    [InlineData("api/embed", """{"model":7,"input":"x"}""")]
    [InlineData("api/embed", "")]
    [InlineData("api/embeddings", """{"model":"nomic-embed-text","prompt":["a"]}""")]
    [InlineData("api/embeddings", "\"just a string\"")]
    public async Task A_malformed_ollama_body_is_a_400_in_ollamas_error_shape_and_the_host_stays_up(string path, string body)
    {
        await using var gateway = await TestGateway.StartAsync();

        using var response = await PostAsync(gateway, path, body);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["error"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("error").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync("health")).StatusCode);
    }

    private static async Task<HttpResponseMessage> PostAsync(TestGateway gateway, string path, string body) =>
        await gateway.Client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    private static async Task<JsonDocument> PostJsonAsync(TestGateway gateway, string path, string body)
    {
        using var response = await PostAsync(gateway, path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
