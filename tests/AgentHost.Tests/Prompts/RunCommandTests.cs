using System.Text.Json;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Tests.Cli;

namespace AgentHost.Tests.Prompts;

/// <summary><c>run</c> as a person runs it: the built host in its own process, against emulators on loopback.</summary>
public sealed class RunCommandTests : IAsyncLifetime
{
    private readonly OllamaEmulator _ollama = new();
    private readonly MlxEmulator _mlx = new();

    public async Task InitializeAsync()
    {
        await _ollama.StartAsync();
        await _mlx.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _ollama.DisposeAsync();
        await _mlx.DisposeAsync();
    }

    [Fact]
    public async Task Run_summarize_streams_the_answer_from_the_repository_prompts_by_default()
    {
        // No AgentHost:PromptsPath override: the default "../../prompts" from the content root is the repo's prompts/.
        var result = await HostProcess.RunAsync(["run", "summarize", "--arg", "input=The release slipped to May.", "--arg", "length=one line"], OnlyOllama());

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.StartsWith("Ollama: Summarize the text between the markers.", result.StdOut);
        Assert.Contains("The release slipped to May.", result.StdOut);
        var messages = PromptTestHost.GenerationBodies(_ollama).Single().GetProperty("messages");
        Assert.Contains("Length: one line.", messages[0].GetProperty("content").GetString());
        Assert.True(PromptTestHost.GenerationBodies(_ollama).Single().GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task A_stream_cut_midway_keeps_what_was_printed_and_says_which_backend_broke()
    {
        _ollama.Faults.DropAfterChunks = 2;

        var result = await HostProcess.RunAsync(["run", "rewrite", "--arg", "input=one two three four five six seven eight nine ten"], OnlyOllama());

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("Ollama: ", result.StdOut);
        Assert.DoesNotContain("ten", result.StdOut);
        Assert.Contains("Cut off: Ollama failed after", result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
    }

    [Fact]
    public async Task Run_json_prints_the_answer_object_like_ask_json()
    {
        var env = OnlyOllama();
        env["AgentHost__Backends__Mlx__Enabled"] = "true";
        env["AgentHost__Backends__Mlx__Endpoint"] = _mlx.BaseAddress.ToString();
        _mlx.Faults.StatusCode = 503;
        env["AgentHost__Fallback__Order__0"] = "Mlx";
        env["AgentHost__Fallback__Order__1"] = "Ollama";

        var result = await HostProcess.RunAsync(["run", "translate", "--arg", "input=Hallo Welt", "--arg", "language=English", "--json"], env);

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.Equal("Ollama: Hallo Welt", json.RootElement.GetProperty("text").GetString());
        Assert.Equal("Ollama", json.RootElement.GetProperty("backend").GetString());
        var attempts = json.RootElement.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal("Mlx", attempts[0].GetProperty("backend").GetString());
        Assert.NotEqual("succeeded", attempts[0].GetProperty("outcome").GetString());
        Assert.Equal("succeeded", attempts[^1].GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task An_unknown_prompt_exits_non_zero_with_one_line_listing_what_exists()
    {
        var result = await HostProcess.RunAsync(["run", "sumarize", "--arg", "input=x"], OnlyOllama());

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.StdOut);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Unknown prompt 'sumarize'. Prompts: code-review, commit-message, explain-code,", line);
        Assert.Contains("summarize", line);
        Assert.Empty(PromptTestHost.GenerationBodies(_ollama));
    }

    [Fact]
    public async Task A_missing_required_argument_is_one_line_naming_it()
    {
        var result = await HostProcess.RunAsync(["run", "translate", "--arg", "input=Hallo"], OnlyOllama());

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("Prompt 'translate' needs the argument 'language' (The language to translate into, e.g. French or Brazilian Portuguese).", result.StdErr.Trim());
    }

    [Fact]
    public async Task An_argument_of_dash_reads_standard_input()
    {
        const string diff = "diff --git a/x.cs b/x.cs\n+ if (a < b && c) { }\n";

        var result = await HostProcess.RunAsync(["run", "commit-message", "--arg", "input=-"], OnlyOllama(), standardInput: diff);

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Equal("Ollama: " + diff.TrimEnd('\n'), result.StdOut.TrimEnd('\n'));
    }

    [Fact]
    public async Task Run_without_a_name_lists_the_prompts_with_descriptions_and_variables()
    {
        var result = await HostProcess.RunAsync(["run"], OnlyOllama());

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("commit-message", result.StdOut);
        Assert.Contains("Translate a text into another language", result.StdOut);
        Assert.Contains("language (required)", result.StdOut);
        Assert.Contains("length = at most 5 bullet points", result.StdOut);
    }

    [Fact]
    public async Task A_prompts_folder_with_the_SK_samples_lists_and_runs_them()
    {
        var env = OnlyOllama();
        env["AgentHost__PromptsPath"] = PromptTestHost.SkSamples;

        var run = await HostProcess.RunAsync(["run", "FunPlugin.Joke", "--arg", "input=a cat", "--arg", "style=dry"], env);
        var recall = await HostProcess.RunAsync(["run", "ChatPlugin.ChatGPT", "--arg", "input=hi"], env);

        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Contains("a cat", run.StdOut);
        Assert.Equal(2, recall.ExitCode);
        Assert.Contains("'recall'", recall.StdErr);
        Assert.DoesNotContain("   at ", recall.StdErr);
    }

    private Dictionary<string, string> OnlyOllama() => new()
    {
        ["AgentHost__Backends__Ollama__Endpoint"] = _ollama.BaseAddress.ToString(),
        ["AgentHost__Backends__Mlx__Enabled"] = "false",
        ["AgentHost__Backends__Victoria__Enabled"] = "false",
    };
}
