using System.Text.Json;

namespace AgentHost.Tests.Packaging;

/// <summary>
/// The repository's packages as <c>dotnet pack</c> makes them, once for every test of the collection: the libraries and
/// the tool (<c>agent-host</c>) in one local feed, under a version no NuGet cache holds yet. One <c>dotnet pack</c> of a
/// solution filter over the packable projects, so the projects they share are built once, not once per package.
/// </summary>
public sealed class LocalFeed : IAsyncLifetime
{
    /// <summary>The collection whose tests share the feed (and so never pack at the same time).</summary>
    public const string Collection = "Local feed";

    /// <summary>The library packages, as their project folders under <c>src/</c> (each packs as <c>AgentHost.&lt;name&gt;</c>).</summary>
    public static readonly string[] Libraries = ["Backends.Abstractions", "Connectors.Mlx", "Connectors.Ollama", "Connectors.Victoria", "Connectors.Embedded", "Fallback", "Fallback.SemanticKernel", "Fallback.Redis", "Conversations"];

    /// <summary>The tool's package id, its project folder being <c>src/AgentHost</c>.</summary>
    public const string ToolPackageId = "agent-host";

    private readonly string _work = Directory.CreateTempSubdirectory("agent-host-feed-").FullName;

    /// <summary>The folder of the packed <c>.nupkg</c>/<c>.snupkg</c> files.</summary>
    public string Folder => Path.Combine(_work, "feed");

    /// <summary>The version every package was packed with.</summary>
    public string Version { get; } = $"0.0.0-test{DateTime.UtcNow:yyyyMMddHHmmssfff}"; // never one the NuGet cache already holds

    public async Task InitializeAsync()
    {
        var root = DotnetCli.RepoRoot();
        var filter = Path.Combine(_work, "packages.slnf");
        var projects = Libraries.Append("AgentHost").Select(p => $"src/{p}/{p}.csproj").ToArray();
        await File.WriteAllTextAsync(filter, JsonSerializer.Serialize(new
        {
            solution = new { path = Path.Combine(root, "agent.sln"), projects },
        }));

        await DotnetCli.RunAsync(["pack", filter, "-c", "Release", "-o", Folder, $"-p:Version={Version}", "-v", "q"], root, TimeSpan.FromMinutes(10));
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>The tests that take their packages from the one <see cref="LocalFeed"/>.</summary>
[CollectionDefinition(LocalFeed.Collection)]
public sealed class LocalFeedCollection : ICollectionFixture<LocalFeed>;
