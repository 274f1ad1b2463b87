using System.Net;
using AgentHost.Bench.Reliability.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentHost.Bench.Reliability.Suites;

/// <summary>
/// Proves the judges can say no: a fake gateway on loopback misbehaves in each way the suites look for (a silent cut,
/// an answer for another caller, duplicated text, an untyped 500, an answer that names no backend ...) and
/// <see cref="GatewayClient"/> + <see cref="AnswerCheck"/> must flag each one, and pass the well-behaved replies. Then
/// the suite-level judges, each given a deliberately broken run: a gateway that turns every third answer into a 503
/// (<see cref="Availability"/>), a host that balloons past 200 MB or grows (<see cref="MemoryJudge"/>), a load with
/// no function runs, a host whose backends never become healthy (<see cref="HealthWait"/>); each must name the promise
/// it broke, and the healthy variants must pass.
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
        var calls = 0;
        app.MapPost("/{which}/v1/chat/completions", (HttpContext c, string which) =>
            which == "third-503" && Interlocked.Increment(ref calls) % 3 == 0 ? NoBackendAsync(c, 503) : MisbehaveAsync(c, which == "third-503" ? "good" : which));
        app.MapGet("/{which}/health", (string which) => Results.Text(
            $$"""{"status":"ok","backends":[{"name":"Mlx","health":"healthy"},{"name":"Ollama","health":"{{(which == "health-down" ? "down" : "healthy")}}"}]}""",
            "application/json"));
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

        foreach (var (name, run, expected) in JudgeCases(address))
        {
            var scratch = new Findings("selftest: " + name);
            await run(scratch, cancellationToken);
            var kinds = scratch.ViolationKinds.Order(StringComparer.Ordinal).ToList();
            findings.Count("judged");
            if (!kinds.SequenceEqual(expected.Order(StringComparer.Ordinal)))
            {
                findings.Violation("the judge is wrong", $"{name}: wanted [{string.Join(" | ", expected)}], judged [{string.Join(" | ", kinds)}]; goals: {string.Join("; ", scratch.Goals.Select(g => $"{g.Goal}: {g.Measured} → {g.VerdictText}"))}");
            }
        }

        return findings;
    }

    private const string AvailabilityMissed = "goal missed: selftest: \"no backend answered\" at most 0.1 % of the calls a serving backend could answer";

    /// <summary>The suite-level judges, each over a broken run (the violation it must name) and a healthy one (none).</summary>
    private static IEnumerable<(string Name, Func<Findings, CancellationToken, Task> Run, string[] Expected)> JudgeCases(string address)
    {
        // Availability: calls through a fake gateway, while the schedule has a backend serving throughout.
        yield return ("every third answer a 503, a backend serving", (f, ct) => AvailabilityAsync(f, address, "third-503", calls: 30, serving: true, ct), [AvailabilityMissed]);
        yield return ("every answer whole, a backend serving", (f, ct) => AvailabilityAsync(f, address, "good", calls: 30, serving: true, ct), []);
        // The same 503s while the schedule had every backend broken: allowed, not judged (and too few judged calls to measure).
        yield return ("every third answer a 503, no backend serving", (f, ct) => AvailabilityAsync(f, address, "third-503", calls: 30, serving: false, ct),
            ["goal not measured: selftest: \"no backend answered\" at most 0.1 % of the calls a serving backend could answer"]);
        yield return ("1 in 1,000 no backend answered (at the limit)", (f, _) => Shares(f, 999, 1), []);
        yield return ("2 in 1,000 no backend answered (over the limit)", (f, _) => Shares(f, 998, 2), [AvailabilityMissed]);
        yield return ("cuts after content are their own category", (f, _) => Shares(f, 900, 0, cuts: 100), []);
        yield return ("a smoke run reports a missed share without failing", (f, _) => Shares(f, 500, 500, enforced: false), []);

        // Memory: working sets in MB, one sample a second.
        yield return ("host balloons past 200 MB", (f, _) => Memory(f, Enumerable.Range(0, 60).Select(i => 120.0 + 3 * i)),
            ["goal missed: selftest: host working set at most 200 MB under load", "goal missed: selftest: working set flat (growth under 5 %)"]);
        yield return ("host grows 8 % under 200 MB", (f, _) => Memory(f, Enumerable.Range(0, 60).Select(i => 120.0 + 0.2 * i)),
            ["goal missed: selftest: working set flat (growth under 5 %)"]);
        yield return ("host flat at 130 MB", (f, _) => Memory(f, Enumerable.Range(0, 60).Select(i => 130.0 + (i % 3))), []);
        yield return ("no memory samples", (f, _) => Memory(f, []),
            ["goal not measured: selftest: host working set at most 200 MB under load", "goal not measured: selftest: working set flat (growth under 5 %)"]);

        // A load that ran nothing proves nothing ("never twice" holds with zero runs).
        yield return ("no function runs", (f, _) => Minimum(f, 0), ["goal missed: selftest: at least 400 function runs"]);
        yield return ("enough function runs", (f, _) => Minimum(f, 400), []);

        // Preconditions: a host whose /health never reports every backend healthy fails the run.
        yield return ("backends never healthy", (f, ct) => PreconditionAsync(f, address, "health-down", ct), ["precondition failed"]);
        yield return ("backends healthy", (f, ct) => PreconditionAsync(f, address, "good", ct), []);
    }

    private static async Task AvailabilityAsync(Findings f, string address, string which, int calls, bool serving, CancellationToken ct)
    {
        using var client = new GatewayClient(new Uri($"{address}/{which}/"), TimeSpan.FromSeconds(5));
        var timeline = new FaultTimeline(["Ollama"]);
        if (!serving)
        {
            timeline.Set("Ollama", serving: false);
        }

        var availability = new Availability("selftest");
        for (var i = 0; i < calls; i++)
        {
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            var outcome = await client.ChatAsync(Text, stream: i % 2 == 1, ct);
            AnswerCheck.Record(f, outcome, Text, "selftest");
            availability.Record(Availability.Of(outcome), timeline.AnyServedThroughout(["Ollama"], start, System.Diagnostics.Stopwatch.GetTimestamp()));
        }

        availability.Judge(f, enforced: true, minimumCovered: calls / 2);
    }

    private static Task Shares(Findings f, int answered, int noBackend, int cuts = 0, bool enforced = true)
    {
        var availability = new Availability("selftest");
        for (var i = 0; i < answered; i++)
        {
            availability.Record(CallEnd.Answered, covered: true);
        }

        for (var i = 0; i < noBackend; i++)
        {
            availability.Record(CallEnd.NoBackendAnswered, covered: true, "Ollama: skipped (down)");
        }

        for (var i = 0; i < cuts; i++)
        {
            availability.Record(CallEnd.CutAfterContent, covered: true);
        }

        availability.Judge(f, enforced);
        return Task.CompletedTask;
    }

    private static Task Memory(Findings f, IEnumerable<double> megabytes)
    {
        var samples = megabytes.Select(mb => mb * 1e6).ToList();
        MemoryJudge.JudgePeak(f, "selftest", samples);
        MemoryJudge.JudgeGrowth(f, "selftest", "working set", samples, judged: true);
        return Task.CompletedTask;
    }

    private static Task Minimum(Findings f, int runs)
    {
        f.Goal("selftest: at least 400 function runs", $"{runs} runs", runs >= 400 ? GoalVerdict.Met : GoalVerdict.Missed);
        return Task.CompletedTask;
    }

    private static async Task PreconditionAsync(Findings f, string address, string which, CancellationToken ct)
    {
        using var http = new HttpClient();
        var result = await HealthWait.UntilHealthyAsync(http, new Uri($"{address}/{which}/"), ["Mlx", "Ollama"], TimeSpan.FromMilliseconds(300), ct);
        HealthWait.Require(f, result, "selftest: not every backend healthy");
    }

    private static async Task NoBackendAsync(HttpContext c, int status)
    {
        c.Response.StatusCode = status;
        c.Response.ContentType = "application/json";
        await c.Response.WriteAsync("""{"error":{"message":"No backend answered: Ollama: 503","type":"api_error","param":null,"code":"no_backend_answered"}}""");
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
            case "gateway-error":
                await NoBackendAsync(c, 502);
                return;
            case "untyped-500":
                c.Response.StatusCode = 500;
                await c.Response.WriteAsync("Internal Server Error");
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
