using System.Net;
using System.Text;
using System.Text.Json;
using AgentHost.Backends;
using AgentHost.Emulators.Hosting;
using AgentHost.Emulators.Victoria;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.SemanticKernel.ChatCompletion;
using Moq;
using Moq.Protected;

namespace AgentHost.Connectors.Victoria.Tests;

/// <summary>A Victoria emulator on port 0 and the connector wired to it through the public registration.</summary>
internal sealed class VictoriaTestHost : IAsyncDisposable
{
    private VictoriaTestHost(VictoriaEmulator emulator, ServiceProvider services)
    {
        Emulator = emulator;
        Services = services;
    }

    public VictoriaEmulator Emulator { get; }

    public ServiceProvider Services { get; }

    public IChatCompletionService Chat => Services.GetRequiredKeyedService<IChatCompletionService>(BackendNames.Victoria);

    public IHealthCheck Health => Services.GetRequiredKeyedService<IHealthCheck>(BackendNames.Victoria);

    public static async Task<VictoriaTestHost> StartAsync(Action<VictoriaOptions>? configure = null, TimeProvider? timeProvider = null, Action<VictoriaEmulator>? emulator = null)
    {
        var victoria = new VictoriaEmulator();
        emulator?.Invoke(victoria);
        await victoria.StartAsync();
        var services = new ServiceCollection();
        if (timeProvider is not null)
        {
            services.AddSingleton(timeProvider);
        }

        services.AddVictoriaChatCompletion(o =>
        {
            o.Endpoint = victoria.BaseAddress.ToString();
            o.PollInterval = TimeSpan.FromMilliseconds(5);
            configure?.Invoke(o);
        });
        return new VictoriaTestHost(victoria, services.BuildServiceProvider());
    }

    /// <summary>The bodies of the generation requests (<c>/run</c>, <c>/stream</c>) as JSON.</summary>
    public IReadOnlyList<JsonElement> RunBodies() => Emulator.Requests
        .Where(r => r.Method == "POST")
        .Select(r => JsonDocument.Parse(r.Body).RootElement.Clone())
        .ToList();

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}

/// <summary>Recorded wire replies under <c>TestData/</c>, served by a mocked handler.</summary>
internal static class RecordedVictoria
{
    public static string Read(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", file));

    public static HttpResponseMessage Reply(HttpStatusCode status, string file, string contentType = "application/json") =>
        new(status) { Content = new StringContent(Read(file), Encoding.UTF8, contentType) };

    /// <summary>The SK face of a <see cref="VictoriaChatClient"/> over a mocked handler that answers with <paramref name="replies"/> in order.</summary>
    public static (IChatCompletionService Service, List<SentRequest> Sent) Service(VictoriaOptions options, params HttpResponseMessage[] replies)
    {
        var sent = new List<SentRequest>();
        var handler = new Mock<HttpMessageHandler>();
        var sequence = handler.Protected().SetupSequence<Task<HttpResponseMessage>>("SendAsync", ItExpr.IsAny<HttpRequestMessage>(), ItExpr.IsAny<CancellationToken>());
        foreach (var reply in replies)
        {
            sequence = sequence.ReturnsAsync(reply);
        }

        var http = new HttpClient(new RecordingHandler(sent) { InnerHandler = handler.Object });
        return (new VictoriaChatClient(http, options).AsChatCompletionService(), sent);
    }

    public sealed record SentRequest(HttpMethod Method, Uri Uri, string Body);

    private sealed class RecordingHandler(List<SentRequest> sent) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
            sent.Add(new SentRequest(request.Method, request.RequestUri!, body));
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
