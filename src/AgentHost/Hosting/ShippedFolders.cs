namespace AgentHost.Hosting;

/// <summary>
/// Resolves a configured folder (<c>AgentHost:PromptsPath</c>, <c>AgentsPath</c>) against the content root. When the
/// shipped default (the repo's folder) is not there (the tool installed elsewhere than the repo), the folder of that name
/// in the working directory, else the one shipped beside the host's binaries; a folder the person set is used as set.
/// </summary>
internal static class ShippedFolders
{
    public static string Resolve(string? configured, string fallback, string contentRoot, string shippedName)
    {
        var isDefault = string.IsNullOrWhiteSpace(configured) || configured == fallback;
        var path = Path.GetFullPath(isDefault ? fallback : configured!, contentRoot);
        if (!isDefault || Directory.Exists(path))
        {
            return path;
        }

        var own = Path.Combine(Directory.GetCurrentDirectory(), shippedName);
        if (Directory.Exists(own))
        {
            return own;
        }

        var shipped = Path.Combine(AppContext.BaseDirectory, shippedName);
        return Directory.Exists(shipped) ? shipped : path;
    }
}
