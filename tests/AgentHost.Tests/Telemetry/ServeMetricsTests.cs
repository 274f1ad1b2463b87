using System.Net;
using System.Text;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Emulators.Victoria;
using AgentHost.Tests.Cli;

namespace AgentHost.Tests.Telemetry;

/// <summary>
/// <c>serve</c> as its own process (its meters are its own: an in-process host would also see every other test's chain)
/// over the three emulators: after a call that fails over from MLX to Ollama, <c>GET /metrics</c> counts each attempt.
/// </summary>
public sealed class ServeMetricsTests : IAsyncLifetime
{
    private readonly MlxEmulator _mlx = new();
    private readonly OllamaEmulator _ollama = new();
    private readonly VictoriaEmulator _victoria = new();

    public async Task InitializeAsync()
    {
        await _mlx.StartAsync();
        await _ollama.StartAsync();
        await _victoria.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _mlx.DisposeAsync();
        await _ollama.DisposeAsync();
        await _victoria.DisposeAsync();
    }

    [Fact]
    public async Task After_a_failover_metrics_show_each_attempt_with_backend_outcome_and_route()
    {
        _mlx.Faults.StatusCode = 503;
        await using var serve = await ServeProcess.StartAsync(Environment());

        using var chat = await serve.Client.PostAsync("v1/chat/completions", Json(ChatBody));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        Assert.Equal("Ollama", chat.Headers.GetValues("x-agent-backend").Single());
        using var scrape = await serve.Client.GetAsync("metrics");
        var text = await scrape.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Equal("text/plain", scrape.Content.Headers.ContentType?.MediaType);
        var samples = PrometheusText.Parse(text);
        Assert.True(1 == samples.Sum("agenthost_fallback_requests_total", ("backend", "Mlx"), ("outcome", "failed"), ("route", "default")), text);
        Assert.Equal(1, samples.Sum("agenthost_fallback_requests_total", ("backend", "Ollama"), ("outcome", "succeeded"), ("route", "default")));
        Assert.Equal(0, samples.Sum("agenthost_fallback_requests_total", ("backend", "Victoria")));
        Assert.Equal(1, samples.Sum("agenthost_fallback_failovers_total", ("backend", "Mlx"), ("route", "default")));
        // The duration histogram keeps the GenAI attributes: the backend as the provider, a failure's error.type, and the route.
        var duration = "gen_ai_client_operation_duration_seconds";
        Assert.Equal(1, samples.Sum(duration + "_count", ("gen_ai_provider_name", "Mlx"), ("error_type", "failed"), ("route", "default")));
        Assert.Equal(1, samples.Sum(duration + "_count", ("gen_ai_provider_name", "Ollama"), ("route", "default")));
        var ollamaBuckets = samples.Where(duration + "_bucket", ("gen_ai_provider_name", "Ollama"));
        Assert.Equal(1, ollamaBuckets.Single(b => b.Labels["le"] == "+Inf").Value);
        Assert.True(samples.Sum(duration + "_sum", ("gen_ai_provider_name", "Ollama")) > 0);
        // The host's own HTTP metrics (ASP.NET Core's meter) and HttpClient's, beside the chain's.
        Assert.True(samples.Sum("http_server_request_duration_seconds_count", ("http_route", "/v1/chat/completions")) >= 1, text);
        Assert.True(samples.Sum("http_client_request_duration_seconds_count") >= 2, text);
    }

    [Fact]
    public async Task Skips_are_counted_by_reason()
    {
        // Victoria has no tool calling: a request with tools skips it (and MLX) with a fixed reason word.
        await using var serve = await ServeProcess.StartAsync(Environment(order: ["Victoria", "Ollama"]));

        using var chat = await serve.Client.PostAsync("v1/chat/completions", Json(ToolBody));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        var text = await serve.Client.GetStringAsync("metrics");
        var samples = PrometheusText.Parse(text);

        Assert.True(1 == samples.Sum("agenthost_fallback_skips_total", ("backend", "Victoria"), ("outcome", "skipped"), ("reason", "no_tools"), ("route", "default")), text);
        Assert.Equal(1, samples.Sum("agenthost_fallback_requests_total", ("backend", "Ollama"), ("outcome", "succeeded")));
    }

    internal static Dictionary<string, string> EnvironmentFor(MlxEmulator mlx, OllamaEmulator ollama, VictoriaEmulator victoria, string[]? order = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["AgentHost__Backends__Mlx__Endpoint"] = mlx.BaseAddress.ToString(),
            ["AgentHost__Backends__Ollama__Endpoint"] = ollama.BaseAddress.ToString(),
            ["AgentHost__Backends__Victoria__Endpoint"] = victoria.BaseAddress.ToString(),
            ["AgentHost__Fallback__Resilience__MaxRetryAttempts"] = "0",
        };
        var entries = order ?? ["Mlx", "Ollama", "Victoria"];
        for (var i = 0; i < 4; i++)
        {
            environment[$"AgentHost__Fallback__Order__{i}"] = entries[Math.Min(i, entries.Length - 1)];
        }

        return environment;
    }

    internal const string ChatBody = """{"model":"agent-host","messages":[{"role":"user","content":"hello"}]}""";

    private const string ToolBody = """
        {"model":"agent-host","messages":[{"role":"user","content":"hello"}],
         "tools":[{"type":"function","function":{"name":"now","description":"the time","parameters":{"type":"object","properties":{}}}}]}
        """;

    internal static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private Dictionary<string, string> Environment(string[]? order = null) => EnvironmentFor(_mlx, _ollama, _victoria, order);
}
