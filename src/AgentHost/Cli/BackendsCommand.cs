using System.CommandLine;
using System.Text.Json;
using AgentHost.Fallback;
using AgentHost.Hosting;
using Spectre.Console;

namespace AgentHost.Cli;

/// <summary><c>backends [--json]</c>: the health of every backend, as the chain sees it.</summary>
internal static class BackendsCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print a JSON array instead of a table." };
        var command = new Command("backends", "Health of every backend, as the chain sees it.") { json };
        command.SetAction((parse, ct) => CliCommands.RunInHostAsync(parse, (services, token) => RunAsync(services, parse.GetValue(json), token), ct));
        return command;
    }

    private static async Task<int> RunAsync(IServiceProvider services, bool json, CancellationToken cancellationToken)
    {
        var monitor = services.GetRequiredService<BackendHealthMonitor>();
        var rows = await BackendStatusReader.ReadAsync(services, monitor, cancellationToken);
        if (json)
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(rows, JsonSerializerOptions.Web));
            return CommandHost.ExitOk;
        }

        var table = new Table().AddColumns("Backend", "Server", "Enabled", "Endpoint", "Model", "Health", "Reason", "Circuit");
        foreach (var row in rows)
        {
            var health = row.Health switch
            {
                "healthy" => "[green]healthy[/]",
                "degraded" => "[yellow]degraded[/]",
                "disabled" => "[grey]disabled[/]",
                _ => $"[red]{Markup.Escape(row.Health)}[/]",
            };
            table.AddRow(Markup.Escape(row.Name), Markup.Escape(row.Server), row.Enabled ? "yes" : "no",
                Markup.Escape(row.Endpoint ?? ""), Markup.Escape(row.Model ?? ""), health, Markup.Escape(row.Reason ?? ""),
                Markup.Escape(row.Circuit ?? ""));
        }

        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 200; // a pipe or file has no width: don't wrap rows for it
        }

        AnsiConsole.Write(table);
        return CommandHost.ExitOk;
    }
}
