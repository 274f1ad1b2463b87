using System.Net;

namespace AgentHost.Bench.Gateway;

/// <summary>
/// The floor of any .NET gateway here: a Kestrel app that forwards each <c>POST /v1/chat/completions</c> body to
/// <c>--target</c> with one pooled <see cref="HttpClient"/> and copies the status and body back, reading nothing of
/// either (no JSON, no routing, no logging, no failover). <c>serve</c>'s added latency over this one is the chain's
/// and the host's own; this one's over the direct call is the two extra HTTP hops every gateway pays.
/// </summary>
internal static class BareForwarder
{
    public static async Task<int> RunAsync(CommandLine options)
    {
        var port = options.Int("port", 9201);
        var target = new Uri(options.Required("target").TrimEnd('/') + "/v1/chat/completions");
        using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10), UseProxy = false });

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.AddServerHeader = false;
        });
        await using var app = builder.Build();
        app.Run(async context =>
        {
            if (!HttpMethods.IsPost(context.Request.Method))
            {
                context.Response.StatusCode = 200; // the run's readiness probe
                return;
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new StreamContent(context.Request.Body) };
            request.Content.Headers.ContentType = new("application/json");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        await app.StartAsync();
        Console.WriteLine($"bare forwarder listening on http://127.0.0.1:{port} → {target}");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
