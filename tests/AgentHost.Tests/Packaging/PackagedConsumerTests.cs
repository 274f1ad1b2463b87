using AgentHost.Emulators.Hosting;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Tests.Embedded;

namespace AgentHost.Tests.Packaging;

/// <summary>
/// The packages as an SK app takes them: the libraries packed into a local feed (<see cref="LocalFeed"/>), a fresh console
/// app referencing them by package (never by project) whose Program.cs is the README's snippet (samples/EmbeddingSample),
/// with only SK's usual namespaces, run against the emulators: MLX fails with 503, Ollama answers through the chain.
/// </summary>
[Collection(LocalFeed.Collection)]
public sealed class PackagedConsumerTests(LocalFeed packages) : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("agent-host-consumer-").FullName;
    private readonly MlxEmulator _mlx = new();
    private readonly OllamaEmulator _ollama = new();

    public async Task InitializeAsync()
    {
        await _mlx.StartAsync();
        await _ollama.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _mlx.DisposeAsync();
        await _ollama.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task An_sk_console_app_built_from_the_packed_packages_answers_through_the_chain()
    {
        var (feed, version) = (packages.Folder, packages.Version);
        Assert.All(LocalFeed.Libraries, l => Assert.True(File.Exists(Path.Combine(feed, $"AgentHost.{l}.{version}.nupkg")), l));
        Assert.All(LocalFeed.Libraries, l => Assert.True(File.Exists(Path.Combine(feed, $"AgentHost.{l}.{version}.snupkg")), l));

        var app = Path.Combine(_work, "app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(app, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <NoWarn>SKEXP0001</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="AgentHost.Connectors.Mlx" Version="{version}" />
                <PackageReference Include="AgentHost.Connectors.Ollama" Version="{version}" />
                <PackageReference Include="AgentHost.Connectors.Victoria" Version="{version}" />
                <PackageReference Include="AgentHost.Fallback.SemanticKernel" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        // Directory.Build.props/targets of the folders above must not leak in (the temp folder has none, but be explicit).
        await File.WriteAllTextAsync(Path.Combine(app, "Directory.Build.props"), "<Project />");
        await File.WriteAllTextAsync(Path.Combine(app, "Directory.Build.targets"), "<Project />");
        await File.WriteAllTextAsync(Path.Combine(app, "Directory.Packages.props"), "<Project />");
        var program = await File.ReadAllTextAsync(Path.Combine(DotnetCli.RepoRoot(), "samples", "EmbeddingSample", "Program.cs"));
        Assert.DoesNotContain("using AgentHost", program);
        program = program
            .Replace("http://localhost:11435", _mlx.BaseAddress.ToString().TrimEnd('/'), StringComparison.Ordinal)
            .Replace("http://localhost:11434", _ollama.BaseAddress.ToString().TrimEnd('/'), StringComparison.Ordinal)
            .Replace("http://localhost:8010", Loopback.RefusingAddress().ToString().TrimEnd('/'), StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), program);
        _mlx.Faults.StatusCode = 503;
        _mlx.Faults.ErrorMessage = "model loading";

        var output = await DotnetCli.RunAsync(["run", "--project", app, "--", "hi"], app);

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith("Ollama: hi", StringComparison.Ordinal) && l.EndsWith("(from Ollama)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith("(from Ollama)", StringComparison.Ordinal) && l.Contains("Spanish", StringComparison.Ordinal));
    }
}
