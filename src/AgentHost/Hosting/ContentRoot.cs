using System.Reflection;

namespace AgentHost.Hosting;

/// <summary>Finds the folder that holds <c>appsettings.json</c>: the project folder when run from source, else the app's folder.</summary>
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
