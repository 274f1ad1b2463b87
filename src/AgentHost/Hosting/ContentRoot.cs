using System.Reflection;

namespace AgentHost.Hosting;

/// <summary>
/// Finds the folder that holds <c>appsettings.json</c>: the project folder when run from source (a build records it;
/// a packed tool does not), else the app's folder (the installed tool, a published copy).
/// </summary>
internal static class ContentRoot
{
    public static string Locate()
    {
        var projectDirectory = typeof(ContentRoot).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "AgentHost.ProjectDirectory")?.Value;
        if (projectDirectory is not null && File.Exists(Path.Combine(projectDirectory, "appsettings.json")))
        {
            return projectDirectory;
        }

        return AppContext.BaseDirectory;
    }
}
