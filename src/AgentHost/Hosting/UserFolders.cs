namespace AgentHost.Hosting;

/// <summary>
/// Where the host keeps the person's own files: the user config file (<c>~/.config/agent-host/appsettings.json</c> on
/// Linux, <c>%APPDATA%\agent-host</c> on Windows) and the models cache (<c>~/.cache/agent-host/models</c>,
/// <c>%LOCALAPPDATA%\agent-host\models</c>). <c>XDG_CONFIG_HOME</c> and <c>XDG_CACHE_HOME</c> are honoured.
/// </summary>
internal static class UserFolders
{
    public const string AppFolderName = "agent-host";

    /// <summary>The folder of the user config file.</summary>
    public static string ConfigDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify), AppFolderName);

    /// <summary>The user config file, read after the shipped <c>appsettings.json</c> and before environment variables.</summary>
    public static string ConfigFile => Path.Combine(ConfigDirectory, "appsettings.json");

    /// <summary>The default of <c>AgentHost:Models:Path</c>.</summary>
    public static string DefaultModelsDirectory => Path.Combine(CacheDirectory, AppFolderName, "models");

    private static string CacheDirectory
    {
        get
        {
            if (OperatingSystem.IsWindows())
            {
                return Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            }

            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            return !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        }
    }
}
