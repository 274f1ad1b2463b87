using System.Net;
using AgentHost.Bench.Reliability.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentHost.Bench.Reliability.Suites;

/// <summary>
/// Proves the judge can say no: a fake gateway on loopback misbehaves in each way the suites look for (a silent cut,
/// an answer for another caller, duplicated text, an untyped 500, an answer that names no backend ...) and
/// <see cref="GatewayClient"/> + <see cref="AnswerCheck"/> must flag each one, and pass the well-behaved replies.
/// </summary>
internal static class SelfTest
{
    private const string Text = "selftest 123";

    private static readonly (string Case, bool Stream, string? Problem)[] Cases =
    [
        ("good", false, null),
        ("good", true, null),
        ("typed-cut", true, null),
        ("gateway-error", false, null),
        ("silent-cut", true, "stream cut silently"),
        ("wrong-caller", false, "answer reached the wrong caller"),
        ("wrong-caller", true, "answer reached the wrong caller"),
        ("duplicated", true, "answer not whole (cut, duplicated or mixed)"),
        ("untyped-500", false, "broken reply"),
        ("no-backend-header", false, "answer without x-agent-backend"),
        ("no-report", false, "answer without the agent_host attempt report"),
        ("cut-not-prefix", true, "streamed text before the error is not a clean prefix of the answer"),
        ("foreign-id", false, "answer reached the wrong caller"),
        ("foreign-id", true, "answer reached the wrong caller"),
    ];

    public static async Task<Findings> RunAsync(SuiteOptions options, CancellationToken cancellationToken)
    {
        var findings = new Findings("selftest");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        app.MapPost("/{which}/v1/chat/completions", (HttpContext c, string which) => MisbehaveAsync(c, which));
        await app.StartAsync(cancellationToken);
        var address = app.Urls.First();
        foreach (var (which, stream, problem) in Cases)
        {
            using var client = new GatewayClient(new Uri($"{address}/{which}/"), TimeSpan.FromSeconds(5));
            var outcome = await client.ChatAsync(Text, stream, cancellationToken);
            var found = AnswerCheck.Problem(outcome, Text);
            findings.Count("judged");
            if (found != problem)
            {
                findings.Violation("the judge is wrong", $"'{which}' ({(stream ? "stream" : "plain")}): wanted {problem ?? "no problem"}, judged {found ?? "no problem"}: {outcome}");
            }
        }

        return findings;
    }

    private const string Report = "\"agent_host\":{\"backend\":\"Ollama\",\"attempts\":[{\"backend\":\"Ollama\",\"outcome\":\"succeeded\"}]}";

    private static async Task MisbehaveAsync(HttpContext c, string which)
    {
        var stream = (await new StreamReader(c.Request.Body).ReadToEndAsync()).Contains("\"stream\":true", StringComparison.Ordinal);
        var answer = which switch
        {
            "wrong-caller" => "Ollama: selftest 999",
            "duplicated" => "Ollama: selftest 123selftest 123",
            "foreign-id" => "Ollama: selftest 123 0123456789abcdef0123456789abcdef",
            _ => "Ollama: " + Text,
        };
        if (which != "no-backend-header")
        {
            c.Response.Headers["x-agent-backend"] = "Ollama";
        }

        switch (which)
        {
            case "untyped-500":
                c.Response.StatusCode = 500;
                await c.Response.WriteAsync("Internal Server Error");
                return;
            case "gateway-error":
                c.Response.StatusCode = 502;
                c.Response.ContentType = "application/json";
                await c.Response.WriteAsync("""{"error":{"message":"No backend answered: Ollama: 503","type":"api_error","param":null,"code":"no_backend_answered"}}""");
                return;
        }

        if (!stream)
        {
            c.Response.ContentType = "application/json";
            var report = which == "no-report" ? "" : "," + Report;
            await c.Response.WriteAsync("{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + answer + "\"},\"finish_reason\":\"stop\"}]" + report + "}");
            return;
        }

        c.Response.ContentType = "text/event-stream";
        async Task Send(string data)
        {
            await c.Response.WriteAsync("data: " + data + "\n\n");
            await c.Response.Body.FlushAsync();
        }

        var half = answer.Length / 2;
        await Send("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"" + answer[..half] + "\"}}]," + Report + "}");
        switch (which)
        {
            case "silent-cut":
                return;
            case "typed-cut":
                await Send("""{"error":{"message":"Ollama stopped after streaming","type":"api_error","code":"backend_stream_interrupted","backend":"Ollama"}}""");
                return;
            case "cut-not-prefix":
                await Send("""{"choices":[{"index":0,"delta":{"content":"XX"}}]}""");
                await Send("""{"error":{"message":"Ollama stopped after streaming","type":"api_error","code":"backend_stream_interrupted","backend":"Ollama"}}""");
                return;
        }

        await Send($$"""{"choices":[{"index":0,"delta":{"content":"{{answer[half..]}}"},"finish_reason":"stop"}]}""");
        await Send("[DONE]");
    }
}
