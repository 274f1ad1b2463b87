using System.CommandLine;
using System.Diagnostics;
using AgentHost.Fallback;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace AgentHost.Cli;

/// <summary><c>chat</c>: an interactive conversation in the terminal, streaming tokens, history kept for the session.</summary>
internal static class ChatCommand
{
    private const string Help = "Commands: /retry (send the last failed message again), /clear (forget the conversation), /backends, /exit.";

    public static Command Create()
    {
        var route = Routing.RouteCliOptions.Route();
        var model = Routing.RouteCliOptions.Model();
        var command = new Command("chat", "Interactive chat in the terminal, streaming tokens, history kept for the session.") { route, model };
        // In a conversation the "[answered by …]" line says where each answer came from; only failovers are logged.
        command.SetAction((parse, ct) => CliCommands.RunInHostAsync(
            parse, (services, token) => RunAsync(services, parse.GetValue(route), parse.GetValue(model), token), ct, "--Logging:LogLevel:AgentHost.Fallback=Warning"));
        return command;
    }

    private static async Task<int> RunAsync(IServiceProvider services, string? route, string? model, CancellationToken cancellationToken)
    {
        ChatOptions? options;
        try
        {
            options = await Routing.RouteCliOptions.ResolveAsync(services, route, model, cancellationToken);
        }
        catch (FallbackRouteNotFoundException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return CommandHost.ExitConfiguration;
        }

        var monitor = services.GetRequiredService<BackendHealthMonitor>();
        var session = new ChatSession(services.GetRequiredService<IChatClient>(), options);
        var interactive = !Console.IsInputRedirected && !Console.IsOutputRedirected;
        var up = (await monitor.ProbeAllAsync(cancellationToken)).Where(h => h.IsUp).Select(h => h.Backend).ToList();
        Console.Error.WriteLine($"agent-host chat — backends up: {(up.Count == 0 ? "none (the chain will still try each)" : string.Join(", ", up))}. {Help}");

        while (!cancellationToken.IsCancellationRequested)
        {
            if (interactive)
            {
                AnsiConsole.Markup("[bold blue]you>[/] ");
            }

            var line = await Console.In.ReadLineAsync(cancellationToken);
            if (line is null || line.Trim() is "/exit" or "/quit")
            {
                break;
            }

            var message = line.Trim();
            switch (message)
            {
                case "":
                    continue;
                case "/clear":
                    session.Clear();
                    Console.Error.WriteLine("(conversation cleared)");
                    continue;
                case "/backends":
                    foreach (var h in await monitor.ProbeAllAsync(cancellationToken))
                    {
                        Console.Error.WriteLine($"  {h.Backend}: {h.Describe()}");
                    }

                    continue;
                case "/retry" when session.FailedMessage is null:
                    Console.Error.WriteLine("(nothing to retry)");
                    continue;
                case "/retry":
                    message = session.FailedMessage;
                    break;
                case "/help":
                    Console.Error.WriteLine(Help);
                    continue;
            }

            await TakeTurnAsync(session, message, interactive, cancellationToken);
        }

        return CommandHost.ExitOk;
    }

    private static async Task TakeTurnAsync(ChatSession session, string message, bool interactive, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (interactive)
        {
            AnsiConsole.Markup("[bold green]assistant>[/] ");
        }

        try
        {
            var report = await session.SendAsync(message, text => Console.Out.WriteAsync(text), cancellationToken,
                progress => Console.Error.WriteLineAsync(Dim($"[{progress.Message}]")));
            await Console.Out.WriteLineAsync();
            var from = report?.Backend is { } b ? $"{b}{(report.Model is { } m ? $" ({m})" : "")}" : "unknown backend";
            var route = report?.Route is { } r ? $", route {r}{(report.ChosenBy is { } by ? $" chosen by {by}" : "")}" : "";
            Console.Error.WriteLine($"[answered by {from}{route} in {clock.Elapsed.TotalSeconds:0.0} s]");
        }
        catch (FallbackStreamInterruptedException e)
        {
            await Console.Out.WriteLineAsync();
            Console.Error.WriteLine($"[cut off: {e.Backend} failed after {e.StreamedText.Length} characters ({e.InnerException?.Message}); this turn was not kept — /retry to ask again]");
        }
        catch (FallbackExhaustedException e)
        {
            Console.Error.WriteLine($"[no backend answered: {e.Message} — the conversation is kept; /retry to ask again]");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("[the turn timed out; the conversation is kept — /retry to ask again]");
        }
    }

    /// <summary>Dim text (SGR 2) when stderr is a terminal that takes escapes; plain otherwise (pipes, NO_COLOR).</summary>
    private static string Dim(string text) =>
        Console.IsErrorRedirected || Environment.GetEnvironmentVariable("NO_COLOR") is { Length: > 0 } ? text : $"\u001b[2m{text}\u001b[0m";
}
