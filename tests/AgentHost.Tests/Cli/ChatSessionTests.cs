using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;

namespace AgentHost.Tests.Cli;

/// <summary><c>chat --session NAME</c> and <c>chat --list-sessions</c>, run as processes one after another on one database.</summary>
public sealed class ChatSessionTests : IAsyncLifetime
{
    private readonly MlxEmulator _mlx = new();
    private readonly OllamaEmulator _ollama = new();
    private readonly string _database = Http.TestGateway.TempDatabase();

    public async Task InitializeAsync()
    {
        await _mlx.StartAsync();
        await _ollama.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _mlx.DisposeAsync();
        await _ollama.DisposeAsync();
    }

    private Dictionary<string, string> Env() => new()
    {
        ["AgentHost__Backends__Mlx__Endpoint"] = _mlx.BaseAddress.ToString(),
        ["AgentHost__Backends__Ollama__Endpoint"] = _ollama.BaseAddress.ToString(),
        ["AgentHost__Backends__Victoria__Enabled"] = "false",
        ["AgentHost__Storage__ConnectionString"] = $"Data Source={_database}",
    };

    private IEnumerable<string> MlxPrompts() => _mlx.Requests.Where(r => r.PathAndQuery.StartsWith("/api/generate", StringComparison.Ordinal)).Select(r => r.Body);

    [Fact]
    public async Task A_second_process_resumes_the_session_and_sends_the_first_ones_question_and_answer()
    {
        var first = await HostProcess.RunAsync(["chat", "--session", "work"], Env(), standardInput: "my name is Ada\n/exit\n");
        Assert.True(first.ExitCode == 0, first.StdErr);
        Assert.Contains("new session work", first.StdErr);
        Assert.Contains("MLX: my name is Ada", first.StdOut);

        var second = await HostProcess.RunAsync(["chat", "--session", "work"], Env(), standardInput: "what is my name?\n/exit\n");

        Assert.True(second.ExitCode == 0, second.StdErr);
        Assert.Contains("resumed work: 1 turns", second.StdErr);
        Assert.Contains("you> my name is Ada", second.StdErr);
        Assert.Contains("MLX: what is my name?", second.StdOut);
        var prompt = MlxPrompts().Last();
        Assert.Contains("my name is Ada", prompt);
        Assert.Contains("MLX: my name is Ada", prompt);
        Assert.Contains("what is my name?", prompt);

        // A third process lists the session with both turns.
        var list = await HostProcess.RunAsync(["chat", "--list-sessions"], Env());
        Assert.True(list.ExitCode == 0, list.StdErr);
        var line = Assert.Single(list.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^work  \d{4}-\d\d-\d\d \d\d:\d\d     2 turns  my name is Ada$", line);
    }

    [Fact]
    public async Task Failed_and_interrupted_turns_are_shown_on_resume_but_not_sent_to_the_model()
    {
        _mlx.Faults.StatusCode = 503;
        _mlx.Faults.ErrorMessage = "model loading";
        _ollama.Faults.StatusCode = 500;
        var first = await HostProcess.RunAsync(["chat", "--session", "flaky"], Env(), standardInput: "lost question\n/exit\n");
        Assert.True(first.ExitCode == 0, first.StdErr);
        Assert.Contains("[no backend answered:", first.StdErr);

        _mlx.Faults.Reset();
        _ollama.Faults.Reset();
        _ollama.Faults.Answer = _ => "one two three four five six seven eight";
        _ollama.Faults.DropAfterChunks = 2;
        _mlx.Faults.Answer = _ => "one two three four five six seven eight";
        _mlx.Faults.DropAfterChunks = 3; // MLX streams a character a line: cut after "one"
        var second = await HostProcess.RunAsync(["chat", "--session", "flaky"], Env(), standardInput: "cut question\n/exit\n");
        Assert.True(second.ExitCode == 0, second.StdErr);
        Assert.Contains("[cut off:", second.StdErr);

        _mlx.Faults.Reset();
        var third = await HostProcess.RunAsync(["chat", "--session", "flaky"], Env(), standardInput: "fresh question\n/exit\n");

        Assert.True(third.ExitCode == 0, third.StdErr);
        Assert.Contains("resumed flaky: 2 turns", third.StdErr);
        Assert.Contains("you> lost question", third.StdErr);
        Assert.Contains("[failed: ", third.StdErr);
        Assert.Contains("you> cut question", third.StdErr);
        Assert.Contains("[interrupted: ", third.StdErr);
        var prompt = MlxPrompts().Last();
        Assert.Contains("fresh question", prompt);
        Assert.DoesNotContain("lost question", prompt);
        Assert.DoesNotContain("cut question", prompt);
    }

    [Fact]
    public async Task Clear_in_a_session_deletes_its_stored_turns_so_it_starts_fresh()
    {
        await HostProcess.RunAsync(["chat", "--session", "scratch"], Env(), standardInput: "remember 42\n/exit\n");

        var cleared = await HostProcess.RunAsync(["chat", "--session", "scratch"], Env(), standardInput: "/clear\nwhat did I say?\n/exit\n");
        Assert.True(cleared.ExitCode == 0, cleared.StdErr);
        Assert.Contains("resumed scratch: 1 turns", cleared.StdErr);
        Assert.Contains("(conversation cleared; session scratch deleted from storage)", cleared.StdErr);
        Assert.DoesNotContain("remember 42", MlxPrompts().Last());

        var again = await HostProcess.RunAsync(["chat", "--session", "scratch"], Env(), standardInput: "/exit\n");
        Assert.Contains("resumed scratch: 1 turns", again.StdErr); // only the turn after /clear
        Assert.DoesNotContain("you> remember 42", again.StdErr);
    }

    [Fact]
    public async Task By_default_the_session_goes_to_the_data_folder_and_a_bad_name_is_one_line()
    {
        var data = Directory.CreateTempSubdirectory("agent-host-xdg-data-").FullName;
        var env = Env();
        env.Remove("AgentHost__Storage__ConnectionString");
        env["XDG_DATA_HOME"] = data;

        var result = await HostProcess.RunAsync(["chat", "--session", "default-place"], env, standardInput: "hi\n/exit\n");

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.True(File.Exists(Path.Combine(data, "agent-host", "conversations.db")), result.StdErr);

        var bad = await HostProcess.RunAsync(["chat", "--session", "no spaces"], env, standardInput: "/exit\n");
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("--session 'no spaces': A conversation id takes only letters, digits and . _ : - (A-Za-z0-9._:-).", bad.StdErr.Trim());
    }

    [Fact]
    public async Task A_bad_storage_provider_is_one_configuration_line()
    {
        var env = Env();
        env["AgentHost__Storage__Provider"] = "Mongo";

        var result = await HostProcess.RunAsync(["chat", "--list-sessions"], env);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("Configuration error in AgentHost:Storage: Provider 'Mongo' is not a storage provider; use Sqlite (the default) or Postgres.", result.StdErr.Trim());
    }
}
