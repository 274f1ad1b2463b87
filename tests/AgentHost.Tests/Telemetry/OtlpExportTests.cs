using System.Net;
using System.Text;
using System.Threading.Channels;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Emulators.Victoria;
using AgentHost.Tests.Cli;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AgentHost.Tests.Telemetry;

/// <summary>
/// <c>serve</c> started with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (http/protobuf) sends its spans and metrics to a
/// loopback OTLP receiver: a tiny Kestrel app here that keeps every body it is posted.
/// </summary>
public sealed class OtlpExportTests : IAsyncLifetime
{
    private readonly MlxEmulator _mlx = new();
    private readonly OllamaEmulator _ollama = new();
    private readonly VictoriaEmulator _victoria = new();
    private readonly Channel<(string Path, byte[] Body)> _posts = Channel.CreateUnbounded<(string, byte[])>();
    private WebApplication? _receiver;
    private Uri _receiverAddress = null!;

    public async Task InitializeAsync()
    {
        await _mlx.StartAsync();
        await _ollama.StartAsync();
        await _victoria.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _receiver = builder.Build();
        _receiver.MapPost("/v1/{signal}", async (HttpContext context, string signal) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            _posts.Writer.TryWrite(("/v1/" + signal, body.ToArray()));
            context.Response.ContentType = "application/x-protobuf";
            return Results.Ok();
        });
        await _receiver.StartAsync();
        var address = _receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _receiverAddress = new Uri(address.TrimEnd('/') + "/");
    }

    public async Task DisposeAsync()
    {
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }

        await _mlx.DisposeAsync();
        await _ollama.DisposeAsync();
        await _victoria.DisposeAsync();
    }

    [Fact]
    public async Task Serve_exports_the_chains_spans_and_metrics_over_otlp_http_protobuf()
    {
        _mlx.Faults.StatusCode = 503;
        var environment = ServeMetricsTests.EnvironmentFor(_mlx, _ollama, _victoria);
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = _receiverAddress.ToString().TrimEnd('/');
        environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        environment["OTEL_BSP_SCHEDULE_DELAY"] = "100";
        environment["OTEL_METRIC_EXPORT_INTERVAL"] = "200";
        await using var serve = await ServeProcess.StartAsync(environment);

        using var chat = await serve.Client.PostAsync("v1/chat/completions", ServeMetricsTests.Json(ServeMetricsTests.ChatBody));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);

        // Spans arrive in batches (one per schedule delay), so the bodies are read until together they hold what is looked for.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var traces = await CollectAsync("/v1/traces", ["fallback.chat", "fallback.attempt", "Mlx", "Ollama", "POST /v1/chat/completions"], deadline.Token);
        Assert.Contains("agent-host", traces); // the default service name
        Assert.Contains("agenthost.outcome", traces);
        var metrics = await CollectAsync("/v1/metrics", ["agenthost.fallback.requests", "gen_ai.client.operation.duration"], deadline.Token);
        Assert.Contains("agenthost.fallback.failovers", metrics);
    }

    /// <summary>
    /// The bodies posted to <paramref name="path"/> so far and until together they hold every one of <paramref name="texts"/>
    /// (protobuf keeps strings as UTF-8), as Latin-1 text; the deadline's cancellation otherwise.
    /// </summary>
    private async Task<string> CollectAsync(string path, string[] texts, CancellationToken cancellationToken)
    {
        var seen = new StringBuilder();
        await foreach (var post in _posts.Reader.ReadAllAsync(cancellationToken))
        {
            if (post.Path == path)
            {
                seen.Append(Encoding.Latin1.GetString(post.Body));
                var all = seen.ToString();
                if (texts.All(t => all.Contains(t, StringComparison.Ordinal)))
                {
                    return all;
                }
            }
        }

        throw new InvalidOperationException("the receiver stopped");
    }
}
