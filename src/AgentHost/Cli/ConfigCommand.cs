using System.CommandLine;
using AgentHost.Hosting;

namespace AgentHost.Cli;

/// <summary><c>config path</c>: where the host reads its configuration from, in the order later files override earlier ones.</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var path = new Command("path", "Print the user config file (it overrides the shipped appsettings.json; environment variables and --Key=value override both).");
        path.SetAction(async (_, _) =>
        {
            await Console.Out.WriteLineAsync(UserFolders.ConfigFile);
            await Console.Error.WriteLineAsync($"shipped defaults: {Path.Combine(ContentRoot.Locate(), "appsettings.json")}"
                + (File.Exists(UserFolders.ConfigFile) ? "" : "; the user config file does not exist yet (create it to override them)"));
            return CommandHost.ExitOk;
        });
        return new Command("config", "Where the configuration comes from.") { path };
    }
}
