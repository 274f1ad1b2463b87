using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentHost.Emulators.Ollama;
using AgentHost.Hosting;
using AgentHost.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentHost.Tests.Prompts;

/// <summary><c>GET /prompts</c> and <c>POST /prompts/{name}</c> on a real Kestrel host against the Ollama emulator.</summary>
public sealed class PromptEndpointsTests : IAsyncLifetime
{
    private readonly OllamaEmulator _ollama = new();
    private WebApplication? _app;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        await _ollama.StartAsync();
        (_app, _http) = await StartAsync(PromptTestHost.RepoPrompts);
    }

    /// <summary>A host as <c>serve</c> builds it, reduced to the chain, the prompts and <see cref="PromptEndpoints.MapPromptEndpoints"/>.</summary>
    private async Task<(WebApplication App, HttpClient Http)> StartAsync(string promptsPath)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(PromptTestHost.Settings(promptsPath, _ollama, mlx: null));
        builder.Services.AddAgentHostChat(builder.Configuration);
        var app = builder.Build();
        app.MapPromptEndpoints();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new HttpClient { BaseAddress = new Uri(address) });
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        await _ollama.DisposeAsync();
    }

    [Fact]
    public async Task Post_runs_the_prompt_with_json_arguments_and_names_the_backend()
    {
        using var response = await _http.PostAsync("/prompts/translate", Json("""{"input": "Bonjour", "language": "English", "tone": "neutral"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Ollama", Assert.Single(response.Headers.GetValues("x-agent-backend")));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Ollama: Bonjour", body.RootElement.GetProperty("text").GetString());
        Assert.Equal("Ollama", body.RootElement.GetProperty("backend").GetString());
        Assert.Equal("llama3.2", body.RootElement.GetProperty("model").GetString());
        var attempt = Assert.Single(body.RootElement.GetProperty("attempts").EnumerateArray(), a => a.GetProperty("outcome").GetString() == "succeeded");
        Assert.Equal("Ollama", attempt.GetProperty("backend").GetString());
        var system = PromptTestHost.GenerationBodies(_ollama).Single().GetProperty("messages")[0].GetProperty("content").GetString();
        Assert.Contains("into English", system);
    }

    [Fact]
    public async Task The_model_query_parameter_chooses_a_served_model_and_the_route_header_says_so()
    {
        using var chosen = await _http.PostAsync("/prompts/translate?model=qwen2.5:7b", Json("""{"input": "Bonjour", "language": "English"}"""));
        using var plain = await _http.PostAsync("/prompts/translate?model=agent-host", Json("""{"input": "Salut", "language": "English"}"""));

        Assert.Equal(HttpStatusCode.OK, chosen.StatusCode);
        Assert.Equal("qwen2.5:7b; chosen-by=caller", Assert.Single(chosen.Headers.GetValues("x-agent-route")));
        using var body = JsonDocument.Parse(await chosen.Content.ReadAsStringAsync());
        Assert.Equal(("qwen2.5:7b", "caller"), (body.RootElement.GetProperty("route").GetString(), body.RootElement.GetProperty("chosenBy").GetString()));
        var sent = PromptTestHost.GenerationBodies(_ollama);
        Assert.Equal("qwen2.5:7b", sent[0].GetProperty("model").GetString());
        Assert.True(sent[0].GetProperty("options").TryGetProperty("temperature", out _), "the prompt's own settings are kept");
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        var header = Assert.Single(plain.Headers.GetValues("x-agent-route"));
        Assert.StartsWith("default; chosen-by=", header);
        Assert.DoesNotContain("caller", header);
        Assert.Equal("llama3.2", sent[1].GetProperty("model").GetString());
    }

    [Fact]
    public async Task An_unknown_model_query_parameter_is_400_model_not_found_and_nothing_is_sent()
    {
        using var response = await _http.PostAsync("/prompts/translate?model=gpu", Json("""{"input": "Bonjour", "language": "English"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorAsync(response);
        Assert.Equal(("model_not_found", "model"), (error.GetProperty("code").GetString(), error.GetProperty("param").GetString()));
        var message = error.GetProperty("message").GetString()!;
        Assert.StartsWith("'gpu' is neither a route nor a model any backend serves. Routes: default", message);
        Assert.Contains("qwen2.5:7b", message);
        Assert.Empty(PromptTestHost.GenerationBodies(_ollama));
    }

    [Fact]
    public async Task Numbers_and_booleans_are_accepted_as_argument_text()
    {
        using var response = await _http.PostAsync("/prompts/summarize", Json("""{"input": 42, "length": true}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var messages = PromptTestHost.GenerationBodies(_ollama).Single().GetProperty("messages");
        Assert.Contains("Length: true.", messages[0].GetProperty("content").GetString());
        Assert.Contains("\n42\n", messages[1].GetProperty("content").GetString());
    }

    [Fact]
    public async Task An_unknown_prompt_is_404_with_an_openai_error_listing_what_exists()
    {
        using var response = await _http.PostAsync("/prompts/nope", Json("{}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = await ErrorAsync(response);
        Assert.Equal("prompt_not_found", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.StartsWith("Unknown prompt 'nope'. Prompts: code-review, commit-message, explain-code,", error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("/prompts/translate", """{"language": "French"}""", "missing_argument", "input")]
    [InlineData("/prompts/summarize", """{"input": "x", "colour": "red"}""", "unknown_argument", "colour")]
    [InlineData("/prompts/summarize", """{"input": "x", "length": [1, 2]}""", "invalid_argument", "length")]
    [InlineData("/prompts/summarize", """{"input": "x",""", "invalid_argument", null)]
    [InlineData("/prompts/summarize", """["x"]""", "invalid_argument", null)]
    [InlineData("/prompts/..%2F..%2Fetc%2Fpasswd", "{}", "invalid_prompt_name", null)]
    [InlineData("/prompts/a..b", "{}", "invalid_prompt_name", null)]
    public async Task A_bad_request_is_400_with_an_openai_error_and_nothing_is_sent(string path, string body, string code, string? param)
    {
        using var response = await _http.PostAsync(path, Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorAsync(response);
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Empty(PromptTestHost.GenerationBodies(_ollama));
    }

    [Fact]
    public async Task A_missing_argument_message_names_it_and_the_prompt()
    {
        using var response = await _http.PostAsync("/prompts/summarize", Json("{}"));

        Assert.Equal("Prompt 'summarize' needs the argument 'input' (The text to summarize).", (await ErrorAsync(response)).GetProperty("message").GetString());
    }

    [Fact]
    public async Task When_no_backend_answers_the_error_is_502_naming_the_failure()
    {
        _ollama.Faults.StatusCode = 500;
        _ollama.Faults.ErrorMessage = "model exploded";

        using var response = await _http.PostAsync("/prompts/summarize", Json("""{"input": "x"}"""));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = await ErrorAsync(response);
        Assert.Equal("no_backend_answered", error.GetProperty("code").GetString());
        Assert.Contains("Ollama", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task An_SK_sample_calling_a_missing_function_is_422_naming_it()
    {
        var (app, http) = await StartAsync(PromptTestHost.SkSamples);
        await using (app)
        using (http)
        {
            using var ok = await http.PostAsync("/prompts/WriterPlugin.ShortPoem", Json("""{"input": "the sea"}"""));
            using var missing = await http.PostAsync("/prompts/ChatPlugin.ChatGPT", Json("""{"input": "hi"}"""));

            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.StatusCode);
            var error = await ErrorAsync(missing);
            Assert.Equal("prompt_function_missing", error.GetProperty("code").GetString());
            Assert.Contains("'recall'", error.GetProperty("message").GetString());
        }
    }

    [Fact]
    public async Task Get_lists_the_prompts_with_their_variables()
    {
        using var body = JsonDocument.Parse(await _http.GetStringAsync("/prompts"));

        var prompts = body.RootElement.GetProperty("prompts").EnumerateArray().ToList();
        var summarize = Assert.Single(prompts, p => p.GetProperty("name").GetString() == "summarize");
        Assert.Equal("prompts.summarize", summarize.GetProperty("function").GetString());
        var input = summarize.GetProperty("variables").EnumerateArray().First();
        Assert.Equal("input", input.GetProperty("name").GetString());
        Assert.True(input.GetProperty("required").GetBoolean());
        Assert.Contains(prompts, p => p.GetProperty("name").GetString() == "commit-message");
        Assert.Empty(body.RootElement.GetProperty("errors").EnumerateArray());
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("error").Clone();
    }
}
