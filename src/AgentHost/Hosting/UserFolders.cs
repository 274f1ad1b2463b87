namespace AgentHost.Hosting;

/// <summary>
/// Where the host keeps the person's own files: the user config file (<c>~/.config/agent-host/appsettings.json</c> on
/// Linux, <c>%APPDATA%\agent-host</c> on Windows), the models cache (<c>~/.cache/agent-host/models</c>,
/// <c>%LOCALAPPDATA%\agent-host\models</c>) and the stored conversations (<c>~/.local/share/agent-host/conversations.db</c>,
/// <c>%LOCALAPPDATA%\agent-host\conversations.db</c>). <c>XDG_CONFIG_HOME</c>, <c>XDG_CACHE_HOME</c> and <c>XDG_DATA_HOME</c> are honoured.
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

    /// <summary>The folder of the person's own data (stored conversations): created only when something is stored.</summary>
    public static string DataDirectory => Path.Combine(DataHome, AppFolderName);

    /// <summary>The default SQLite file of <c>AgentHost:Storage</c>.</summary>
    public static string DefaultConversationsDatabase => Path.Combine(DataDirectory, "conversations.db");

    private static string DataHome
    {
        get
        {
            if (OperatingSystem.IsWindows())
            {
                return Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            }

            var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            return !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        }
    }

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
