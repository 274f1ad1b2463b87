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
            BackendsCommand.Create(),
        };
        foreach (var command in root.Subcommands)
        {
            command.TreatUnmatchedTokensAsErrors = false;
        }

        return root;
    }

    /// <summary>Runs a command body in the host, after turning unmatched tokens into configuration overrides.</summary>
    public static async Task<int> RunInHostAsync(ParseResult parse, Func<IServiceProvider, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        if (!ConfigurationOverrides.TryParse(parse.UnmatchedTokens, out var overrides, out var error))
        {
            await Console.Error.WriteLineAsync(error);
            return CommandHost.ExitConfiguration;
        }

        return await CommandHost.RunAsync(overrides, body, cancellationToken);
    }
}
