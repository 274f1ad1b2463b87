using System.Text.Json;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Emulators.Victoria;
using AgentHost.Tests.Cli;

namespace AgentHost.Tests.Embedded;

/// <summary>
/// The embedded model as the last resort, as a person runs the host: every server down (MLX and Ollama answer 503,
/// Victoria refuses connections), the tiny GGUF still answers, after the attempts that name each server's failure.
/// </summary>
public sealed class EmbeddedLastResortTests : IAsyncLifetime
{
    private readonly MlxEmulator _mlx = new();
    private readonly OllamaEmulator _ollama = new();
    private readonly VictoriaEmulator _victoria = new();

    public async Task InitializeAsync()
    {
        await _mlx.StartAsync();
        await _ollama.StartAsync();
        await _victoria.StartAsync();
        _mlx.Faults.StatusCode = 503;
        _mlx.Faults.ErrorMessage = "model loading";
        _ollama.Faults.StatusCode = 503;
    }

    public async Task DisposeAsync()
    {
        await _mlx.DisposeAsync();
        await _ollama.DisposeAsync();
        await _victoria.DisposeAsync();
    }

    [Fact]
    public async Task With_every_server_down_ask_answers_from_Embedded_which_the_default_order_ends_with()
    {
        var result = await HostProcess.RunAsync(["ask", "hi", "--json"], EverythingDownButEmbedded());

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.Equal("Embedded", json.RootElement.GetProperty("backend").GetString());
        Assert.Equal("tiny-llama.gguf", json.RootElement.GetProperty("model").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("text").GetString()));
        EverythingDown.AssertEachServerFailedBeforeEmbedded(json.RootElement.GetProperty("attempts"), "error", "reason");
    }

    [Fact]
    public async Task An_order_that_names_Embedded_keeps_its_position()
    {
        var env = EverythingDownButEmbedded();
        env["AgentHost__Fallback__Order__0"] = "Embedded";
        env["AgentHost__Fallback__Order__1"] = "Ollama";

        var result = await HostProcess.RunAsync(["ask", "hi", "--json"], env);

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        var attempts = json.RootElement.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal("Embedded", attempts[0].GetProperty("backend").GetString());
        Assert.Equal("succeeded", attempts[0].GetProperty("outcome").GetString());
        Assert.Single(attempts);
    }

    [Fact]
    public async Task Backends_shows_the_model_file_its_size_and_whether_it_is_loaded()
    {
        var result = await HostProcess.RunAsync(["backends", "--json"], EverythingDownButEmbedded());

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        var row = Assert.Single(json.RootElement.EnumerateArray(), r => r.GetProperty("name").GetString() == "Embedded");
        Assert.Equal("Embedded (LLamaSharp)", row.GetProperty("server").GetString());
        Assert.Equal("healthy", row.GetProperty("health").GetString());
        Assert.Equal("tiny-llama.gguf", row.GetProperty("model").GetString());
        Assert.Equal("tiny-llama.gguf, 240.5 KB, llama, context 256, not loaded", row.GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("not-gguf")]
    public async Task A_bad_model_path_is_one_readable_line_at_start(string kind)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("embedded-e2e-").FullName, "model.gguf");
        if (kind == "not-gguf")
        {
            File.WriteAllText(path, "<html>a download page, not a model</html>");
        }

        var env = EverythingDownButEmbedded();
        env["AgentHost__Backends__Embedded__ModelPath"] = path;

        var result = await HostProcess.RunAsync(["ask", "hi"], env);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Configuration error in AgentHost:Backends:Embedded: ModelPath '" + path + "' ", line);
        Assert.Contains(kind == "missing" ? "does not exist" : "is not a GGUF file (it starts with '<htm', not 'GGUF')", line);
    }

    private Dictionary<string, string> EverythingDownButEmbedded() => EverythingDown.ProcessEnvironment(_mlx.BaseAddress, _ollama.BaseAddress);

    /// <summary>The shared tiny GGUF beside the repository (the folder holding agent.sln).</summary>
    internal static string TinyModelPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "agent.sln")))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "testdata", "tiny-gguf", "tiny-llama.gguf"));
            }
        }

        throw new InvalidOperationException($"No agent.sln above {AppContext.BaseDirectory}.");
    }
}
