using AgentHost.Connectors.Ollama;
using AgentHost.Emulators.Ollama;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentHost.Fallback.Tests.Integration;

/// <summary>Issue 12 item 2: never send a model a backend lacks; substitute what it has (from its catalog), and say so.</summary>
public sealed class ModelAvailabilityTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Ollama_holding_only_qwen_and_an_embedding_model_answers_a_request_for_llama_with_qwen_and_says_so(bool streaming)
    {
        await using var chain = await EmulatorChain.StartAsync(order: ["Ollama"]);
        chain.Ollama.Models = [new OllamaEmulatorModel("nomic-embed-text:latest", 274_302_450), new OllamaEmulatorModel("qwen2.5:7b", 4_683_087_332)];
        chain.Services.PostConfigureAll<OllamaBackendOptions>(o => o.Model = "llama3.2");

        FallbackReport report;
        string? modelId;
        if (streaming)
        {
            var updates = await chain.Chain.GetStreamingResponseAsync(Hello).ToListAsync();
            report = updates[^1].GetFallbackReport()!;
            modelId = updates.First(u => u.ModelId is not null).ModelId;
        }
        else
        {
            var response = await chain.Chain.GetResponseAsync(Hello);
            report = response.GetFallbackReport()!;
            modelId = response.ModelId;
        }

        Assert.Equal(("Ollama", "qwen2.5:7b"), (report.Backend, report.Model));
        Assert.Equal("qwen2.5:7b", modelId);
        var attempt = Assert.Single(report.Attempts);
        Assert.Equal(("qwen2.5:7b", "llama3.2"), (attempt.Model, attempt.SubstitutedFor));
        var sent = chain.Ollama.Requests.Where(r => r.PathAndQuery == "/api/chat").Select(r => System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetProperty("model").GetString());
        Assert.Equal(["qwen2.5:7b"], sent);
    }

    [Fact]
    public async Task A_backend_with_no_usable_model_is_skipped_with_that_reason()
    {
        await using var chain = await EmulatorChain.StartAsync(order: ["Ollama", "Mlx"]);
        chain.Ollama.Models = [new OllamaEmulatorModel("nomic-embed-text:latest", 274_302_450)];

        var response = await chain.Chain.GetResponseAsync(Hello);

        Assert.Equal("Mlx", response.GetFallbackReport()!.Backend);
        var skipped = response.GetFallbackReport()!.Attempts[0];
        Assert.Equal(("Ollama", FallbackAttemptOutcome.Skipped), (skipped.Backend, skipped.Outcome));
        Assert.Equal("no usable model: llama3.2 missing, it has only nomic-embed-text:latest", skipped.SkipReason);
        Assert.Equal(0, chain.Ollama.GenerationRequests);
    }

    [Fact]
    public async Task A_model_not_found_refreshes_the_catalog_and_the_next_call_uses_what_the_backend_has_now()
    {
        await using var chain = await EmulatorChain.StartAsync(order: ["Ollama", "Mlx"]);
        Assert.Equal("Ollama", (await chain.Chain.GetResponseAsync(Hello)).GetFallbackReport()!.Backend); // catalog read: llama3.2 is there
        chain.Ollama.Models = [new OllamaEmulatorModel("qwen2.5:7b", 4_683_087_332)];                  // then it is removed

        var missing = await chain.Chain.GetResponseAsync(Hello);
        var refreshed = await chain.Chain.GetResponseAsync(Hello);

        Assert.StartsWith("Ollama: 404", missing.GetFallbackReport()!.Attempts[0].ToString());
        Assert.Equal("Mlx", missing.GetFallbackReport()!.Backend);
        Assert.Equal(("Ollama", "qwen2.5:7b"), (refreshed.GetFallbackReport()!.Backend, refreshed.GetFallbackReport()!.Model));
    }

    [Fact]
    public async Task A_model_the_caller_names_is_never_substituted()
    {
        await using var chain = await EmulatorChain.StartAsync(order: ["Ollama", "Mlx"]);
        chain.Ollama.Models = [new OllamaEmulatorModel("qwen2.5:7b", 4_683_087_332)];

        // Ollama is configured for llama3.2, so it is the backend that serves it: asked for exactly that, it says 404.
        var error = await Assert.ThrowsAsync<FallbackExhaustedException>(() => chain.Chain.GetResponseAsync(Hello, new ChatOptions().WithFallbackModel("llama3.2")));

        Assert.StartsWith("No backend answered: Ollama: 404", error.Message, StringComparison.Ordinal);
        var sent = chain.Ollama.Requests.Where(r => r.PathAndQuery == "/api/chat").Select(r => System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetProperty("model").GetString());
        Assert.Equal(["llama3.2"], sent);
    }
}
