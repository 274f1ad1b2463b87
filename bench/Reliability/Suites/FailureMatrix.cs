using System.Diagnostics;
using AgentHost.Bench.Reliability.Infrastructure;

namespace AgentHost.Bench.Reliability.Suites;

/// <summary>
/// Every failure shape of DESIGN §3 (<see cref="FailureShape.All"/>) on every backend it belongs to, in every position of
/// the fallback order: three rotations of (Mlx, Ollama, Victoria), one <c>serve</c> process each (a fourth set with
/// Victoria in async mode for the lost task). In a scenario the backends before the faulty one answer 503 so calls
/// reach it, the ones after it are healthy; plain and streamed calls, each with its own text, must end as
/// <see cref="ShapeExpectation"/> says, and keep <see cref="AnswerCheck"/>'s promises.
/// </summary>
internal static class FailureMatrix
{
    private static readonly string[][] Rotations =
    [
        [EmulatorSet.Mlx, EmulatorSet.Ollama, EmulatorSet.Victoria],
        [EmulatorSet.Ollama, EmulatorSet.Victoria, EmulatorSet.Mlx],
        [EmulatorSet.Victoria, EmulatorSet.Mlx, EmulatorSet.Ollama],
    ];

    public static async Task<Findings> RunAsync(SuiteOptions options, CancellationToken cancellationToken)
    {
        var findings = new Findings("failures");
        await using var emulators = await EmulatorSet.StartAsync();
        var rotations = options.Smoke ? Rotations[..1] : Rotations;
        var perKind = options.Smoke ? 1 : 3;
        var clock = Stopwatch.StartNew();
        foreach (var victoriaAsync in new[] { false, true })
        {
            foreach (var order in rotations)
            {
                var config = HostConfig.For(emulators).Order(order)
                    .Resilience(attemptTimeout: TimeSpan.FromSeconds(1.5), retryDelay: TimeSpan.FromMilliseconds(20))
                    .Probe(TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500))
                    .Set("AgentHost__Fallback__Resilience__BreakerMinimumThroughput", 1_000_000); // scenarios stay independent
                if (victoriaAsync)
                {
                    config.VictoriaAsync(TimeSpan.FromMilliseconds(20));
                }

                await using var host = await HostServer.StartAsync(config.Environment, cancellationToken);
                using var client = new GatewayClient(host.BaseAddress, TimeSpan.FromSeconds(20));
                for (var position = 0; position < order.Length; position++)
                {
                    var backend = order[position];
                    foreach (var shape in FailureShape.All.Where(s => s.AppliesTo(backend) && s.NeedsVictoriaAsync == victoriaAsync))
                    {
                        var name = $"{shape.Name} on {backend} at position {position + 1} of [{string.Join(", ", order)}]{(victoriaAsync ? " (Victoria async)" : "")}";
                        var scenario = new Scenario(name, shape, order, position, perKind);
                        await RunScenarioAsync(scenario, emulators, host, client, findings, cancellationToken);
                    }
                }

                if (host.HasExited)
                {
                    findings.Violation("host exited", host.Tail(20));
                }
            }
        }

        options.Out.WriteLine($"   failures: {findings.Counts.GetValueOrDefault("scenario")} scenarios in {clock.Elapsed.TotalSeconds:0.0} s");
        return findings;
    }

    private sealed record Scenario(string Name, FailureShape Shape, string[] Order, int Position, int PerKind)
    {
        public string Backend => Order[Position];

        public bool IsLast => Position == Order.Length - 1;

        public IEnumerable<string> Later => Order.Skip(Position + 1);
    }

    private static async Task RunScenarioAsync(Scenario s, EmulatorSet emulators, HostServer host, GatewayClient client, Findings findings, CancellationToken ct)
    {
        findings.Count("scenario");
        foreach (var stream in new[] { false, true })
        {
            await emulators.ResetAllAsync();
            if (!await host.WaitHealthyAsync(client.Http, EmulatorSet.Names, TimeSpan.FromSeconds(10), ct))
            {
                findings.Violation("health did not recover", $"{s.Name}: not every backend healthy 10 s after the faults were cleared\n{host.Tail(10)}");
            }

            foreach (var before in s.Order.Take(s.Position))
            {
                emulators[before].Faults.StatusCode = 503;
            }

            await (stream ? s.Shape.Stream : s.Shape.Plain)(emulators, s.Backend);
            using var flapping = s.Shape.Expect == ShapeExpectation.ItselfOrLater ? new CancellationTokenSource() : null;
            var flapper = flapping is null ? Task.CompletedTask : FlapAsync(emulators, s.Backend, flapping.Token);

            var calls = Enumerable.Range(0, s.PerKind).Select(async i =>
            {
                var text = $"matrix {Guid.NewGuid():N} {i}";
                var outcome = await client.ChatAsync(text, stream, ct);
                Judge(s, outcome, text, findings);
            });
            await Task.WhenAll(calls);
            if (flapping is not null)
            {
                await flapping.CancelAsync();
                await flapper;
            }
        }

        await emulators.ResetAllAsync();
    }

    /// <summary>Health that flips between 503 and fine every 120 ms, generation unaffected.</summary>
    private static async Task FlapAsync(EmulatorSet emulators, string backend, CancellationToken ct)
    {
        var down = false;
        while (!ct.IsCancellationRequested)
        {
            down = !down;
            emulators[backend].Faults.HealthStatusCode = down ? 503 : null;
            try
            {
                await Task.Delay(120, ct);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static readonly bool Verbose = Environment.GetEnvironmentVariable("RELIABILITY_VERBOSE") == "1";

    private static void Judge(Scenario s, ChatOutcome o, string text, Findings findings)
    {
        var context = s.Name;
        if (Verbose)
        {
            Console.WriteLine($"   · {context}: {o}");
        }

        if (!AnswerCheck.Record(findings, o, text, context))
        {
            return;
        }

        // "Every backend failed" is a 502/503, or, once a stream had sent progress comments (status 200), a no_backend_answered event.
        var httpError = o.Kind == OutcomeKind.TypedError && (o.Status != 200 || AnswerCheck.NoBackendCodes.Contains(o.ErrorCode ?? ""));
        var streamCut = o.Kind == OutcomeKind.TypedError && o.Status == 200 && o.ErrorCode == AnswerCheck.StreamInterrupted;
        var answeredBy = o.Kind == OutcomeKind.Answer ? o.Backend : null;
        var ok = s.Shape.Expect switch
        {
            ShapeExpectation.FailsOver when s.IsLast => httpError || (streamCut && s.Shape.CutsAfterContent && o.Backend == s.Backend),
            ShapeExpectation.FailsOver => answeredBy == s.Order[s.Position + 1] || (streamCut && s.Shape.CutsAfterContent && o.Backend == s.Backend),
            ShapeExpectation.ServedByItself => answeredBy == s.Backend,
            ShapeExpectation.ItselfOrLater => answeredBy == s.Backend || s.Later.Contains(answeredBy) || (s.IsLast && httpError),
            _ => false,
        };
        if (ok && s.Shape.Expect == ShapeExpectation.FailsOver && o.Attempts is not null && !o.ReportsFailureOf(s.Backend))
        {
            findings.Violation("fault not exercised", $"{context}: the report shows no failed or skipped attempt on {s.Backend}; got {o}");
        }

        if (!ok)
        {
            var wanted = s.Shape.Expect switch
            {
                ShapeExpectation.FailsOver when s.IsLast => "a typed error (every backend failed)",
                ShapeExpectation.FailsOver => $"an answer from {s.Order[s.Position + 1]}",
                ShapeExpectation.ServedByItself => $"an answer from {s.Backend}",
                _ => $"an answer from {s.Backend} or later",
            };
            findings.Violation("unexpected outcome", $"{context}: wanted {wanted}; got {o}");
        }
    }
}
