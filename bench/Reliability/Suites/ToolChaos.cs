using System.Diagnostics;
using AgentHost.Bench.Reliability.Infrastructure;
using AgentHost.Connectors.Ollama;
using AgentHost.Emulators.Hosting;
using AgentHost.Emulators.Ollama;
using AgentHost.Fallback;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Bench.Reliability.Suites;

/// <summary>
/// Function calling under chaos, in process: SK auto function calling above the chain (as the host's agents run),
/// two Ollama emulators (the backends that take tools) breaking and mending, never both at once, 64 calls at a time.
/// Each call has its own function returning its own stamp and counting its runs. A call ends with the answer over its
/// own stamp and exactly one run, or with a typed chain error (<see cref="FallbackExhaustedException"/>,
/// <see cref="FallbackStreamInterruptedException"/>, a cut after content) and at most one run. A second run is the
/// violation this is for; it is judged only over a load that ran: at least as many answers and function runs as calls
/// asked for. With one backend serving at every moment, at most 0.1 % may end with "no backend answered".
/// </summary>
internal static class ToolChaos
{
    public static async Task<string> RunAsync(SuiteOptions options, Findings findings, CancellationToken cancellationToken)
    {
        var total = options.Smoke ? 400 : 2_000;
        var minimum = options.Smoke ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(30);
        const int concurrency = 64;
        await using var emulators = await EmulatorSet.StartAsync(new Dictionary<string, Func<BackendEmulator>>
        {
            ["OllamaA"] = () => new OllamaEmulator(),
            ["OllamaB"] = () => new OllamaEmulator(),
        });
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddKernel();
        services.AddOllamaChatClient(o => o.Endpoint = emulators.Endpoint("OllamaA"), name: "OllamaA")
            .AddOllamaChatClient(o => o.Endpoint = emulators.Endpoint("OllamaB"), name: "OllamaB")
            .AddFallbackChatCompletion(o =>
            {
                o.Order = ["OllamaA", "OllamaB"];
                o.Health.ProbeInterval = TimeSpan.FromMilliseconds(500);
                o.Health.ProbeTimeout = TimeSpan.FromMilliseconds(500);
                o.Resilience.AttemptTimeout = TimeSpan.FromSeconds(2);
                o.Resilience.RetryDelay = TimeSpan.FromMilliseconds(20);
                o.Resilience.BreakerBreakDuration = TimeSpan.FromSeconds(3);
            });
        await using var provider = services.BuildServiceProvider();
        var baseKernel = provider.GetRequiredService<Kernel>();

        var chaos = new ChaosFaults(emulators, seed: 17, maxBroken: 1); // one of the two is healthy at every moment
        var availability = new Availability("tool chaos in process");
        string[] servers = ["OllamaA", "OllamaB"];
        using var stopChaos = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var chaosTask = Task.Run(() => chaos.RunAsync(stopChaos.Token), CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var issued = 0;
        var answered = 0;
        var typed = 0;
        var runs = 0;
        var typedShown = 0;
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            while ((Interlocked.Increment(ref issued) <= total || clock.Elapsed < minimum) && !cancellationToken.IsCancellationRequested)
            {
                var text = $"tool chaos {Guid.NewGuid():N}";
                var stamp = $"stamp-{Guid.NewGuid():N}";
                var count = 0;
                var kernel = baseKernel.Clone();
                kernel.Plugins.AddFromFunctions("Stamp",
                [
                    KernelFunctionFactory.CreateFromMethod(() => { Interlocked.Increment(ref count); return stamp; }, "GetStamp", "Returns the caller's stamp."),
                ]);
                var service = kernel.GetRequiredService<IChatCompletionService>();
                var history = new ChatHistory();
                history.AddUserMessage(text);
                var settings = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };
                var expected = ExpectedAnswer.For("Ollama", text) + $" (tool result: {stamp})";
                var stream = w % 2 == 1;
                var got = new System.Text.StringBuilder();
                var start = Stopwatch.GetTimestamp();
                bool Covered() => chaos.Timeline.AnyServedThroughout(servers, start, Stopwatch.GetTimestamp());
                try
                {
                    if (stream)
                    {
                        await foreach (var chunk in service.GetStreamingChatMessageContentsAsync(history, settings, kernel, cancellationToken))
                        {
                            got.Append(chunk.Content);
                        }
                    }
                    else
                    {
                        got.Append((await service.GetChatMessageContentAsync(history, settings, kernel, cancellationToken)).Content);
                    }

                    Interlocked.Increment(ref answered);
                    availability.Record(CallEnd.Answered, Covered());
                    if (got.ToString() != expected)
                    {
                        findings.Violation(got.ToString().Contains(text, StringComparison.Ordinal) ? "tool answer not whole" : "tool answer reached the wrong caller",
                            $"tool chaos ({(stream ? "stream" : "plain")}): wanted '{expected}', got '{got}'");
                    }
                    else if (count != 1)
                    {
                        findings.Violation(count == 0 ? "answer without the tool run" : "tool ran twice", $"tool chaos: {count} runs for '{text}'");
                    }
                }
                catch (Exception e) when (e is FallbackExhaustedException or FallbackStreamInterruptedException)
                {
                    Interlocked.Increment(ref typed);
                    findings.Count($"tool chaos typed error: {e.GetType().Name}");
                    availability.Record(e is FallbackExhaustedException ? CallEnd.NoBackendAnswered : CallEnd.CutAfterContent, Covered(),
                        e is FallbackExhaustedException ? Availability.Why(e.Message, servers) : null);
                    if (Interlocked.Increment(ref typedShown) <= 3)
                    {
                        options.Out.WriteLine($"   tool chaos, a typed error: {e.Message}");
                    }

                    if (count > 1)
                    {
                        findings.Violation("tool ran twice", $"tool chaos: {count} runs for '{text}' before {e.GetType().Name}: {e.Message}");
                    }

                    if (e is FallbackStreamInterruptedException cut && !expected.StartsWith(got.ToString(), StringComparison.Ordinal))
                    {
                        findings.Violation("streamed text before the error is not a clean prefix of the answer", $"tool chaos: wanted a prefix of '{expected}', got '{got}' ({cut.Message})");
                    }
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    availability.Record(CallEnd.Other, Covered());
                    findings.Violation("untyped error", $"tool chaos ({(stream ? "stream" : "plain")}): {e.GetType().FullName}: {e.Message}");
                }

                Interlocked.Add(ref runs, count);
            }
        }, CancellationToken.None)).ToList();
        await Task.WhenAll(workers);
        var elapsed = clock.Elapsed;
        await stopChaos.CancelAsync();
        await chaosTask;
        findings.Count("tool chaos answered", answered);
        findings.Count("tool chaos function runs", runs);
        var calls = answered + typed;
        // "Never twice" says nothing over a load where nothing ran: the load must have answered, and run functions.
        findings.Goal($"tool chaos: at least {total:#,0} answers over their own stamp", $"{answered:#,0} of {calls:#,0} calls",
            answered >= total ? GoalVerdict.Met : GoalVerdict.Missed);
        findings.Goal($"tool chaos: at least {total:#,0} function runs", $"{runs:#,0} runs",
            runs >= total ? GoalVerdict.Met : GoalVerdict.Missed);
        availability.Judge(findings, enforced: !options.Smoke || Availability.EnforcedInSmoke, minimumCovered: total);
        var summary = $"{calls} calls with a tool at {concurrency} concurrent in {elapsed.TotalSeconds:0.0} s over two Ollama emulators: " +
                      $"{answered} answered over their own stamp, {typed} typed chain errors, {runs} function runs in all; " +
                      $"no backend answered: {availability.Summary()}; " +
                      $"fault changes: {chaos.Changes} ({string.Join(", ", chaos.Applied.OrderBy(a => a.Key).Select(a => $"{a.Key} ×{a.Value}"))}).";
        options.Out.WriteLine("   " + summary);
        return summary;
    }
}
