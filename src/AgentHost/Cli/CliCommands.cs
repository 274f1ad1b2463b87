using System.CommandLine;

namespace AgentHost.Cli;

/// <summary>The host's command line (DESIGN §5).</summary>
internal static class CliCommands
{
    public static RootCommand Create()
    {
        var root = new RootCommand("agent-host: one chat service over MLX, Ollama and Victoria with failover.")
        {
            AskCommand.Create(),
            ChatCommand.Create(),
            BackendsCommand.Create(),
            RunCommand.Create(),
            AgentCommand.Create(),
            ServeCommand.Create(),
            ModelsCommand.Create(),
            ConfigCommand.Create(),
        };
        foreach (var command in root.Subcommands)
        {
            command.TreatUnmatchedTokensAsErrors = false;
        }

        return root;
    }

    /// <summary>Runs a command body in the host, after turning unmatched tokens into configuration overrides.</summary>
    /// <param name="parse">The parsed command line.</param>
    /// <param name="body">The command's work.</param>
    /// <param name="cancellationToken">Cancelled on Ctrl+C.</param>
    /// <param name="defaults">Configuration the command sets unless the person's own overrides say otherwise.</param>
    public static async Task<int> RunInHostAsync(
        ParseResult parse, Func<IServiceProvider, CancellationToken, Task<int>> body, CancellationToken cancellationToken, params string[] defaults)
    {
        if (!ConfigurationOverrides.TryParse(parse.UnmatchedTokens, out var overrides, out var error))
        {
            await Console.Error.WriteLineAsync(error);
            return CommandHost.ExitConfiguration;
        }

        return await CommandHost.RunAsync([.. defaults, .. overrides], body, cancellationToken);
    }
}
