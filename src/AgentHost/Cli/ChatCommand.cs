using System.CommandLine;
using System.Diagnostics;
using System.Text;
using AgentHost.Conversations;
using AgentHost.Fallback;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace AgentHost.Cli;

/// <summary>
/// <c>chat</c>: an interactive conversation in the terminal, streaming tokens, history kept for the session;
/// <c>--session NAME</c> resumes and stores it (<see cref="StoredChatSession"/>), <c>--list-sessions</c> lists the stored ones.
/// </summary>
internal static class ChatCommand
{
    private const string Help = "Commands: /retry (send the last failed message again), /clear (forget the conversation; with --session also its stored turns), /backends, /exit.";

    public static Command Create()
    {
        var route = Routing.RouteCliOptions.Route();
        var model = Routing.RouteCliOptions.Model();
        var sessionName = new Option<string?>("--session")
        {
            Description = "Resume the stored session NAME (its complete turns become the history) and store each new turn.",
        };
        var list = new Option<bool>("--list-sessions") { Description = "List the stored sessions (id, updated, turns, title) and exit." };
        var command = new Command("chat", "Interactive chat in the terminal, streaming tokens, history kept for the session.") { route, model, sessionName, list };
        // In a conversation the "[answered by …]" line says where each answer came from; only failovers are logged.
        command.SetAction((parse, ct) => CliCommands.RunInHostAsync(
            parse, (services, token) => parse.GetValue(list)
                ? StoredChatSession.ListAsync(services.GetRequiredService<IConversationStore>(), Console.Out, Console.Error, token)
                : RunAsync(services, parse.GetValue(route), parse.GetValue(model), parse.GetValue(sessionName), token),
            ct, "--Logging:LogLevel:AgentHost.Fallback=Warning"));
        return command;
    }

    private static async Task<int> RunAsync(IServiceProvider services, string? route, string? model, string? sessionName, CancellationToken cancellationToken)
    {
        if (sessionName is not null && ConversationId.Problem(sessionName) is { } problem)
        {
            await Console.Error.WriteLineAsync($"--session '{sessionName}': {problem}");
            return CommandHost.ExitConfiguration;
        }

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
        var stored = sessionName is null ? null : new StoredChatSession(services.GetRequiredService<IConversationStore>(), sessionName, Console.Error);
        var interactive = !Console.IsInputRedirected && !Console.IsOutputRedirected;
        var up = (await monitor.ProbeAllAsync(cancellationToken)).Where(h => h.IsUp).Select(h => h.Backend).ToList();
        Console.Error.WriteLine($"agent-host chat — backends up: {(up.Count == 0 ? "none (the chain will still try each)" : string.Join(", ", up))}. {Help}");
        if (stored is not null)
        {
            session.Load(await stored.ResumeAsync(cancellationToken));
        }

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
                    if (stored is null)
                    {
                        Console.Error.WriteLine("(conversation cleared)");
                    }
                    else
                    {
                        await stored.ClearAsync(cancellationToken);
                    }

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

            await TakeTurnAsync(session, stored, message, interactive, cancellationToken);
        }

        return CommandHost.ExitOk;
    }

    private static async Task TakeTurnAsync(ChatSession session, StoredChatSession? stored, string message, bool interactive, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var answer = new StringBuilder();
        if (interactive)
        {
            AnsiConsole.Markup("[bold green]assistant>[/] ");
        }

        try
        {
            var report = await session.SendAsync(message, text =>
            {
                answer.Append(text);
                return Console.Out.WriteAsync(text);
            }, cancellationToken,
                progress => Console.Error.WriteLineAsync(Dim($"[{progress.Message}]")));
            await Console.Out.WriteLineAsync();
            var from = report?.Backend is { } b ? $"{b}{(report.Model is { } m ? $" ({m})" : "")}" : "unknown backend";
            var route = report?.Route is { } r ? $", route {r}{(report.ChosenBy is { } by ? $" chosen by {by}" : "")}" : "";
            Console.Error.WriteLine($"[answered by {from}{route} in {clock.Elapsed.TotalSeconds:0.0} s]");
            await RecordAsync(stored, new ConversationTurn(message, answer.ToString(), report?.Backend, report?.Model, TurnStatus.Complete));
        }
        catch (FallbackStreamInterruptedException e)
        {
            await Console.Out.WriteLineAsync();
            Console.Error.WriteLine($"[cut off: {e.Backend} failed after {e.StreamedText.Length} characters ({e.InnerException?.Message}); this turn was not kept — /retry to ask again]");
            await RecordAsync(stored, new ConversationTurn(message, answer.ToString(), e.Backend, e.Report?.Model, TurnStatus.Interrupted, e.Message));
        }
        catch (FallbackExhaustedException e)
        {
            Console.Error.WriteLine($"[no backend answered: {e.Message} — the conversation is kept; /retry to ask again]");
            await RecordAsync(stored, new ConversationTurn(message, "", null, null, TurnStatus.Failed, e.Message));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("[the turn timed out; the conversation is kept — /retry to ask again]");
            await RecordAsync(stored, new ConversationTurn(message, answer.ToString(), null, null,
                answer.Length > 0 ? TurnStatus.Interrupted : TurnStatus.Failed, "The turn timed out."));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C mid-turn: what arrived is stored as interrupted, then the chat ends as cancelled.
            await RecordAsync(stored, new ConversationTurn(message, answer.ToString(), null, null, TurnStatus.Interrupted, "Cancelled (Ctrl+C)."));
            throw;
        }
    }

    private static Task RecordAsync(StoredChatSession? stored, ConversationTurn turn) => stored?.RecordAsync(turn) ?? Task.CompletedTask;

    /// <summary>Dim text (SGR 2) when stderr is a terminal that takes escapes; plain otherwise (pipes, NO_COLOR).</summary>
    private static string Dim(string text) =>
        Console.IsErrorRedirected || Environment.GetEnvironmentVariable("NO_COLOR") is { Length: > 0 } ? text : $"\u001b[2m{text}\u001b[0m";
}
