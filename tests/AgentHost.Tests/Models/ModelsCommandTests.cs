using System.Text.Json;
using AgentHost.Emulators.Hosting;
using AgentHost.Tests.Cli;
using AgentHost.Tests.Embedded;

namespace AgentHost.Tests.Models;

/// <summary>
/// <c>models pull|list|rm</c> run as a person would, against a stand-in hub serving the tiny GGUF; then the host with
/// every server refused and no <c>ModelPath</c> answers from the pulled model.
/// </summary>
public sealed class ModelsCommandTests : IAsyncLifetime
{
    private readonly string _models = Directory.CreateTempSubdirectory("agent-host-models-").FullName;
    private StandInHub _hub = null!;

    public async Task InitializeAsync() =>
        _hub = await StandInHub.StartAsync("tiny-org", "tiny-llama-GGUF", "tiny-llama.gguf", await File.ReadAllBytesAsync(EmbeddedLastResortTests.TinyModelPath()));

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        Directory.Delete(_models, recursive: true);
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["AgentHost__Models__Path"] = _models,
        ["HF_ENDPOINT"] = _hub.BaseAddress.ToString(),
        ["HF_TOKEN"] = "hf_test_token",
    };

    private Task<HostProcess.Result> PullAsync() => HostProcess.RunAsync(["models", "pull", "tiny-org/tiny-llama-GGUF/tiny-llama.gguf"], Environment());

    [Fact]
    public async Task A_pull_cut_halfway_fails_in_one_line_then_the_next_resumes_verifies_and_the_host_answers_from_it()
    {
        _hub.CutAfterBytes = _hub.Content.Length / 2;
        var cut = await PullAsync();

        Assert.Equal(1, cut.ExitCode);
        var line = Assert.Single(cut.StdErr.Split('\n'), l => l.Contains("cut", StringComparison.Ordinal));
        Assert.StartsWith("Download of tiny-llama.gguf was cut at ", line);
        Assert.EndsWith("run the same pull again to resume.", line.TrimEnd());
        Assert.DoesNotContain("   at ", cut.StdErr);
        Assert.False(File.Exists(Path.Combine(_models, "tiny-llama.gguf")), "a cut download is never moved into place");
        // What the pull kept is what reached it: the hub resets the connection after half the file, and bytes still in
        // the socket's receive queue at the reset are lost, so the kept part can be shorter than what the hub wrote.
        var kept = new FileInfo(Assert.Single(Directory.GetFiles(_models, "*.part"))).Length;
        Assert.InRange(kept, 1, _hub.Content.Length / 2);

        _hub.CutAfterBytes = null;
        var resumed = await PullAsync();

        Assert.True(resumed.ExitCode == 0, resumed.StdErr);
        Assert.Contains("sha256 verified, resumed", resumed.StdOut);
        Assert.Equal(["", $"bytes={kept}-"], _hub.CdnRanges);
        Assert.Equal(_hub.Content, await File.ReadAllBytesAsync(Path.Combine(_models, "tiny-llama.gguf")));
        Assert.Empty(Directory.GetFiles(_models, "*.part"));
        Assert.All(_hub.Authorizations.Where(a => a.Kind == "hub"), a => Assert.Equal("Bearer hf_test_token", a.Authorization));
        Assert.All(_hub.Authorizations.Where(a => a.Kind == "cdn"), a => Assert.Equal("", a.Authorization));

        var list = await HostProcess.RunAsync(["models", "list"], Environment());
        Assert.Equal(0, list.ExitCode);
        Assert.Matches(@"tiny-llama\.gguf\s*│\s*234\.9 KB\s*│\s*yes", list.StdOut);

        // Every server refused, no ModelPath: the pulled model answers, after the servers, as the last resort.
        var env = Environment();
        env["AgentHost__Backends__Mlx__Endpoint"] = Loopback.RefusingAddress().ToString();
        env["AgentHost__Backends__Ollama__Endpoint"] = Loopback.RefusingAddress().ToString();
        env["AgentHost__Backends__Victoria__Endpoint"] = Loopback.RefusingAddress().ToString();
        env["AgentHost__Backends__Embedded__MaxTokens"] = EverythingDown.MaxTokens;
        var backends = await HostProcess.RunAsync(["backends", "--json"], env);
        var embedded = JsonDocument.Parse(backends.StdOut).RootElement.EnumerateArray().Single(b => b.GetProperty("name").GetString() == "Embedded");
        Assert.True(embedded.GetProperty("enabled").GetBoolean());
        Assert.Equal("tiny-llama.gguf", embedded.GetProperty("model").GetString());

        var ask = await HostProcess.RunAsync(["ask", "hi", "--json"], env);
        Assert.True(ask.ExitCode == 0, ask.StdErr);
        var answer = JsonDocument.Parse(ask.StdOut).RootElement;
        Assert.Equal("Embedded", answer.GetProperty("backend").GetString());
        Assert.False(string.IsNullOrEmpty(answer.GetProperty("text").GetString()));

        var rm = await HostProcess.RunAsync(["models", "rm", "tiny-llama.gguf"], Environment());
        Assert.Equal(0, rm.ExitCode);
        Assert.Empty(Directory.GetFiles(_models, "*.gguf"));
    }

    [Fact]
    public async Task A_checksum_mismatch_is_one_line_exit_1_and_leaves_no_file()
    {
        _hub.Corrupt = true;

        var result = await PullAsync();

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n'), l => l.Contains("Checksum", StringComparison.Ordinal));
        Assert.Contains($"the hub says sha256 {_hub.Sha256}", line);
        Assert.Empty(Directory.GetFiles(_models));
    }

    [Fact]
    public async Task A_file_the_hub_does_not_have_is_one_line_naming_the_404()
    {
        var result = await HostProcess.RunAsync(["models", "pull", "tiny-org/tiny-llama-GGUF/other.gguf"], Environment());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("answered 404: no such file", result.StdErr);
    }

    [Fact]
    public async Task With_no_server_and_no_model_ask_says_what_to_do()
    {
        var env = new Dictionary<string, string>
        {
            ["AgentHost__Models__Path"] = _models,
            ["AgentHost__Backends__Mlx__Endpoint"] = Loopback.RefusingAddress().ToString(),
            ["AgentHost__Backends__Ollama__Endpoint"] = Loopback.RefusingAddress().ToString(),
            ["AgentHost__Backends__Victoria__Endpoint"] = Loopback.RefusingAddress().ToString(),
        };

        var result = await HostProcess.RunAsync(["ask", "hi"], env);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("agent-host models pull qwen2.5:0.5b", result.StdErr);
        Assert.Contains("start Ollama", result.StdErr);
    }
}
