using System.Net;
using System.Net.Sockets;
using AgentHost.Backends;
using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace AgentHost.Fallback.Tests.Embeddings;

/// <summary>The embedding chain: order, skip reasons, failover, caller errors, its own breaker, the report.</summary>
public sealed class FallbackEmbeddingGeneratorTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeEmbeddingGenerator _mlx = new("Mlx", "mlx-embed");
    private readonly FakeEmbeddingGenerator _ollama = new("Ollama", "nomic-embed-text");
    private readonly Dictionary<string, TestBackendOptions> _options = new(StringComparer.OrdinalIgnoreCase);

    private FallbackChain Chain(Action<FallbackOptions>? configure = null)
    {
        var builder = new FallbackChainBuilder().UseTimeProvider(_time);
        foreach (var (name, generator) in new (string, FakeEmbeddingGenerator?)[] { ("Victoria", null), ("Mlx", _mlx), ("Ollama", _ollama) })
        {
            var options = _options[name] = new TestBackendOptions { Endpoint = $"http://{name.ToLowerInvariant()}.test", Model = name.ToLowerInvariant() };
            builder.AddBackend(new ChainBackend(name, new FakeChatClient(name), options) { Embeddings = generator is null ? null : () => generator });
        }

        return builder.Configure(o =>
        {
            o.Order = ["Victoria", "Mlx", "Ollama"];
            o.Resilience.MaxRetryAttempts = 0;
            configure?.Invoke(o);
        }).BuildChain();
    }

    private static BackendHttpOperationException Status(HttpStatusCode status, string text) => new("Mlx", status, text, null, null);

    private static HttpRequestException Refused() =>
        new(HttpRequestError.ConnectionError, "Connection refused (mlx.test:80)", new SocketException((int)SocketError.ConnectionRefused));

    [Fact]
    public async Task The_first_backend_that_can_embed_answers_and_one_that_cannot_is_skipped_with_that_reason()
    {
        var chain = Chain();

        var result = await chain.Embeddings.GenerateAsync(["hello", "world!"]);

        Assert.Equal([[3f, 5f], [3f, 6f]], result.Select(e => e.Vector.ToArray()));
        var report = result.GetFallbackReport()!;
        Assert.Equal("Mlx", report.Backend);
        Assert.Equal("mlx-embed", report.Model);
        Assert.Equal("embeddings", report.Route);
        Assert.Equal(["Victoria: skipped (cannot embed)", "Mlx: answered"], report.Attempts.Select(a => a.ToString()));
        Assert.Equal(0, _ollama.Calls);
    }

    [Fact]
    public async Task A_backend_with_embeddings_switched_off_is_skipped_as_cannot_embed()
    {
        var chain = Chain();
        _options["Mlx"].Capabilities.SupportsEmbeddings = false;

        var report = (await chain.Embeddings.GenerateAsync(["x"])).GetFallbackReport()!;

        Assert.Equal("Ollama", report.Backend);
        Assert.Contains("Mlx: skipped (cannot embed)", report.Summary);
        Assert.Equal(0, _mlx.Calls);
    }

    [Fact]
    public async Task A_5xx_fails_over_to_the_next_backend_and_the_report_says_so()
    {
        var chain = Chain();
        _mlx.Throws(Status(HttpStatusCode.ServiceUnavailable, "Queue is full"));

        var report = (await chain.Embeddings.GenerateAsync(["x"])).GetFallbackReport()!;

        Assert.Equal("Ollama", report.Backend);
        var failed = report.Attempts.Single(a => a.Backend == "Mlx");
        Assert.Equal(FallbackAttemptOutcome.Failed, failed.Outcome);
        Assert.Equal("503 Queue is full", failed.Error);
        Assert.Equal(1, failed.Tries);
    }

    [Fact]
    public async Task A_refused_connection_fails_over_and_marks_the_whole_backend_down_without_touching_the_chat_circuit()
    {
        var chain = Chain();
        _mlx.Throws(Refused());

        var report = (await chain.Embeddings.GenerateAsync(["x"])).GetFallbackReport()!;

        Assert.Equal("Ollama", report.Backend);
        Assert.Equal("connection refused", report.Attempts.Single(a => a.Backend == "Mlx").Error);
        Assert.Equal(BackendHealthState.Down, chain.Health.Get("Mlx").State);
        Assert.Equal("closed", chain.Client.DescribeCircuit("Mlx"));

        // Down now: the next call puts it last instead of asking it first.
        var next = (await chain.Embeddings.GenerateAsync(["y"])).GetFallbackReport()!;
        Assert.Equal("Ollama", next.Backend);
        Assert.Equal(FallbackAttemptOutcome.Deferred, next.Attempts.Single(a => a.Backend == "Mlx").Outcome);
        Assert.Equal(1, _mlx.Calls);
    }

    [Fact]
    public async Task A_caller_error_surfaces_at_once_with_the_report_and_no_other_backend_is_asked()
    {
        var chain = Chain();
        _mlx.Throws(Status(HttpStatusCode.BadRequest, "input must not be empty"));

        var error = await Assert.ThrowsAsync<BackendHttpOperationException>(() => chain.Embeddings.GenerateAsync(["x"]));

        Assert.Equal(0, _ollama.Calls);
        var report = error.GetFallbackReport()!;
        Assert.Equal("400 input must not be empty", report.Attempts.Single(a => a.Backend == "Mlx").Error);
    }

    [Fact]
    public async Task An_unhealthy_backend_is_deferred_behind_the_healthy_ones()
    {
        var chain = Chain();
        chain.Health.Report("Mlx", BackendHealthState.Down, "connection refused");

        var report = (await chain.Embeddings.GenerateAsync(["x"])).GetFallbackReport()!;

        Assert.Equal("Ollama", report.Backend);
        Assert.Equal("Mlx: deferred (down: connection refused)", report.Attempts.Single(a => a.Backend == "Mlx").ToString());
        Assert.Equal(0, _mlx.Calls);
    }

    [Fact]
    public async Task The_embedding_breaker_opens_after_failures_and_then_skips_the_backend_while_its_chat_circuit_stays_closed()
    {
        var chain = Chain(o =>
        {
            o.Resilience.BreakerMinimumThroughput = 2;
            o.Resilience.BreakerFailureRatio = 1.0;
            o.Resilience.BreakerBreakDuration = TimeSpan.FromSeconds(30);
        });
        var missing = Status(HttpStatusCode.NotFound, "model \"mlx-embed\" not found, try pulling it first");
        _mlx.Throws(missing, missing);

        await chain.Embeddings.GenerateAsync(["1"]);
        await chain.Embeddings.GenerateAsync(["2"]);
        var report = (await chain.Embeddings.GenerateAsync(["3"])).GetFallbackReport()!;

        Assert.Equal("Ollama", report.Backend);
        Assert.Equal("Mlx: deferred (circuit open)", report.Attempts.Single(a => a.Backend == "Mlx").ToString());
        Assert.Equal(2, _mlx.Calls);
        Assert.StartsWith("open", chain.Embeddings.DescribeCircuit("Mlx"));
        Assert.Equal("closed", chain.Client.DescribeCircuit("Mlx"));

        // After the break the backend gets its trial again, and a success closes the embedding circuit.
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal("Mlx", (await chain.Embeddings.GenerateAsync(["4"])).GetFallbackReport()!.Backend);
        Assert.Equal("closed", chain.Embeddings.DescribeCircuit("Mlx"));
    }

    [Fact]
    public async Task When_every_backend_fails_the_exception_carries_the_report()
    {
        var chain = Chain();
        _mlx.Throws(Refused());
        _ollama.Throws(new BackendHttpOperationException("Ollama", HttpStatusCode.InternalServerError, "model runner has unexpectedly stopped", null, null));

        var error = await Assert.ThrowsAsync<FallbackExhaustedException>(() => chain.Embeddings.GenerateAsync(["x"]));

        Assert.Equal(
            "No backend answered: Victoria: skipped (cannot embed); Mlx: connection refused; Ollama: 500 model runner has unexpectedly stopped",
            error.Message);
        Assert.Null(error.Report.Backend);
    }

    [Fact]
    public async Task A_model_id_naming_a_backend_or_its_embedding_model_selects_it_and_an_unknown_one_is_refused()
    {
        var chain = Chain();

        var byName = (await chain.Embeddings.GenerateAsync(["x"], new EmbeddingGenerationOptions { ModelId = "ollama" })).GetFallbackReport()!;
        var byModel = (await chain.Embeddings.GenerateAsync(["x"], new EmbeddingGenerationOptions { ModelId = "nomic-embed-text:latest" })).GetFallbackReport()!;
        var unknown = await Assert.ThrowsAsync<FallbackRouteNotFoundException>(() =>
            chain.Embeddings.GenerateAsync(["x"], new EmbeddingGenerationOptions { ModelId = "text-embedding-3-small" }));

        Assert.Equal(("Ollama", "caller"), (byName.Backend, byName.ChosenBy));
        Assert.Equal(["Ollama: answered"], byName.Attempts.Select(a => a.ToString()));
        Assert.Equal("Ollama", byModel.Backend);
        Assert.Equal([null, "nomic-embed-text:latest"], _ollama.ModelsAsked);
        Assert.Equal(0, _mlx.Calls);
        Assert.Contains("nomic-embed-text", unknown.Message);
    }
}
