using System.Text.Json;
using AgentHost.Emulators.Hosting;
using AgentHost.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentHost.Tests.Prompts;

/// <summary>Paths the prompt tests read, and the host's services wired in-process against emulators.</summary>
internal static class PromptTestHost
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "agent.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("agent.sln not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The repository root (the folder holding <c>agent.sln</c>).</summary>
    public static string RepoRoot => Root.Value;

    /// <summary>The repository's <c>prompts/</c>.</summary>
    public static string RepoPrompts => Path.Combine(RepoRoot, "prompts");

    /// <summary>SK's own sample prompt folders, unchanged.</summary>
    public static string SkSamples => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "testdata", "sk-prompt-samples"));

    /// <summary>The host's services (<c>AddAgentHostChat</c>) with only the given emulators enabled and prompts from <paramref name="promptsPath"/>.</summary>
    public static ServiceProvider Build(string promptsPath, BackendEmulator? ollama = null, BackendEmulator? mlx = null, IDictionary<string, string?>? extra = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings(promptsPath, ollama, mlx, extra)).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddAgentHostChat(configuration);
        return services.BuildServiceProvider();
    }

    public static Dictionary<string, string?> Settings(string promptsPath, BackendEmulator? ollama, BackendEmulator? mlx, IDictionary<string, string?>? extra = null)
    {
        const string unused = "http://127.0.0.1:9/";
        var settings = new Dictionary<string, string?>
        {
            ["AgentHost:Backends:Mlx:Enabled"] = mlx is null ? "false" : "true",
            ["AgentHost:Backends:Mlx:Endpoint"] = mlx?.BaseAddress.ToString() ?? unused,
            ["AgentHost:Backends:Ollama:Enabled"] = ollama is null ? "false" : "true",
            ["AgentHost:Backends:Ollama:Endpoint"] = ollama?.BaseAddress.ToString() ?? unused,
            ["AgentHost:Backends:Ollama:Model"] = "llama3.2",
            ["AgentHost:Backends:Victoria:Enabled"] = "false",
            ["AgentHost:Backends:Victoria:Endpoint"] = unused,
            ["AgentHost:PromptsPath"] = promptsPath,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>The chat messages (role, content) of the generation requests an emulator received after <paramref name="skip"/> requests.</summary>
    public static List<JsonElement> GenerationBodies(BackendEmulator emulator, int skip = 0) =>
        [.. emulator.Requests.Skip(skip)
            .Where(r => r.Method == "POST" && (r.PathAndQuery.StartsWith("/api/chat", StringComparison.Ordinal) || r.PathAndQuery.StartsWith("/api/generate", StringComparison.Ordinal)))
            .Select(r => JsonDocument.Parse(r.Body).RootElement.Clone())];

    /// <summary>A scratch prompts folder, deleted on dispose.</summary>
    public sealed class TempPrompts : IDisposable
    {
        public TempPrompts()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "agent-host-prompts-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public TempPrompts Write(string relativePath, string content)
        {
            var full = System.IO.Path.Combine(Path, relativePath);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
            return this;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
