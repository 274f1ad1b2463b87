using System.Text.Json;
using System.Text.RegularExpressions;
using AgentHost.Emulators.Hosting;
using AgentHost.Tests.Cli;
using AgentHost.Tests.Embedded;
using AgentHost.Tests.Models;

namespace AgentHost.Tests.Packaging;

/// <summary>
/// The tool as a person installs it (the README's first run): <c>dotnet tool install agent-host --add-source &lt;feed&gt;</c>
/// from the local feed (<see cref="LocalFeed"/>), into a tool path of its own so the machine's global tools are untouched,
/// then run from an empty folder: its defaults (<c>appsettings.json</c>, <c>prompts/</c>, <c>agents/</c>) are the ones
/// shipped beside it, and with a stand-in hub it pulls a model and answers from it when every server is refused.
/// </summary>
[Collection(LocalFeed.Collection)]
public sealed partial class ToolInstallTests(LocalFeed packages) : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("agent-host-tool-").FullName;
    private string _tool = null!;

    private string ToolPath => Path.Combine(_work, "tools");

    /// <summary>The working directory of every run: a folder with nothing in it.</summary>
    private string EmptyFolder => Path.Combine(_work, "empty");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(EmptyFolder);
        var installed = await DotnetCli.RunAsync(
            ["tool", "install", LocalFeed.ToolPackageId, "--tool-path", ToolPath, "--add-source", packages.Folder, "--version", packages.Version], _work);
        Assert.Contains($"Tool '{LocalFeed.ToolPackageId}' (version '{packages.Version}') was successfully installed.", installed);
        _tool = Path.Combine(ToolPath, OperatingSystem.IsWindows() ? "agent-host.exe" : "agent-host");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Installed_from_the_local_feed_it_runs_in_an_empty_folder_on_the_defaults_shipped_beside_it()
    {
        var shipped = Path.GetDirectoryName(Assert.Single(Directory.GetFiles(ToolPath, "AgentHost.dll", SearchOption.AllDirectories)))!;

        var backends = await RunAsync(["backends"]);

        Assert.True(backends.ExitCode == 0, backends.StdErr);
        Assert.All(["Mlx", "Ollama", "Victoria", "Embedded"], name => Assert.Matches($@"│\s*{name}\s*│", backends.StdOut));
        var listed = JsonDocument.Parse((await RunAsync(["backends", "--json"])).StdOut).RootElement.EnumerateArray().ToList();
        // MLX's model is set only in the shipped appsettings.json (the connector has no default model).
        Assert.Equal("qwen2.5-coder:32b", listed.Single(b => b.GetProperty("name").GetString() == "Mlx").GetProperty("model").GetString());

        var prompts = await RunAsync(["run"]);
        Assert.True(prompts.ExitCode == 0, prompts.StdErr);
        Assert.Contains("code-review", prompts.StdOut);
        Assert.Equal(Path.Combine(shipped, "prompts"), PromptsFolder().Match(prompts.StdOut).Groups["folder"].Value);

        var agents = await RunAsync(["agent"]);
        Assert.True(agents.ExitCode == 0, agents.StdErr);
        Assert.Matches(@"(?m)^assistant\s+\S", agents.StdOut);

        var config = Path.Combine(_work, "config");
        var path = await RunAsync(["config", "path"], new() { ["XDG_CONFIG_HOME"] = config });
        Assert.True(path.ExitCode == 0, path.StdErr);
        var expected = OperatingSystem.IsWindows() ? Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData) : config; // Windows: %APPDATA%
        Assert.Equal(Path.Combine(expected, "agent-host", "appsettings.json"), path.StdOut.Trim());
        Assert.StartsWith($"shipped defaults: {Path.Combine(shipped, "appsettings.json")};", path.StdErr);

        Assert.Empty(Directory.EnumerateFileSystemEntries(EmptyFolder));
    }

    [Fact]
    public async Task The_installed_tool_pulls_a_model_from_the_hub_and_answers_from_it_with_every_server_refused()
    {
        await using var hub = await StandInHub.StartAsync("tiny-org", "tiny-llama-GGUF", "tiny-llama.gguf", await File.ReadAllBytesAsync(EmbeddedLastResortTests.TinyModelPath()));
        var models = Path.Combine(_work, "models");
        var environment = new Dictionary<string, string>
        {
            ["AgentHost__Models__Path"] = models,
            ["HF_ENDPOINT"] = hub.BaseAddress.ToString(),
            ["HF_TOKEN"] = "hf_test_token",
        };

        var pull = await RunAsync(["models", "pull", "tiny-org/tiny-llama-GGUF/tiny-llama.gguf"], environment);

        Assert.True(pull.ExitCode == 0, pull.StdErr);
        Assert.StartsWith("tiny-llama.gguf: 234.9 KB, sha256 verified → ", pull.StdOut);
        Assert.Equal(hub.Content, await File.ReadAllBytesAsync(Path.Combine(models, "tiny-llama.gguf")));

        // Every server refused, no ModelPath: the pulled model answers, in-process, through the natives shipped in the tool.
        environment["AgentHost__Backends__Mlx__Endpoint"] = Loopback.RefusingAddress().ToString();
        environment["AgentHost__Backends__Ollama__Endpoint"] = Loopback.RefusingAddress().ToString();
        environment["AgentHost__Backends__Victoria__Endpoint"] = Loopback.RefusingAddress().ToString();
        environment["AgentHost__Backends__Embedded__MaxTokens"] = EverythingDown.MaxTokens;
        var ask = await RunAsync(["ask", "hi", "--json"], environment, TimeSpan.FromMinutes(2));

        Assert.True(ask.ExitCode == 0, ask.StdErr);
        var answer = JsonDocument.Parse(ask.StdOut).RootElement;
        Assert.Equal("Embedded", answer.GetProperty("backend").GetString());
        Assert.False(string.IsNullOrEmpty(answer.GetProperty("text").GetString()));
        Assert.Empty(Directory.EnumerateFileSystemEntries(EmptyFolder));
    }

    private Task<HostProcess.Result> RunAsync(string[] args, Dictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        environment ??= [];
        // The launcher finds .NET through DOTNET_ROOT, else the default places; a CI's .NET may be elsewhere (~/.dotnet).
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_ROOT")))
        {
            environment["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        }

        return HostProcess.RunInstalledAsync(_tool, EmptyFolder, args, environment, timeout);
    }

    [GeneratedRegex(@"\(\d+ prompts in (?<folder>.+)\)\s*$")]
    private static partial Regex PromptsFolder();
}
