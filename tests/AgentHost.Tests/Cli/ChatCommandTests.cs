using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;

namespace AgentHost.Tests.Cli;

/// <summary><c>chat</c> driven through stdin, as a person types, against emulators.</summary>
public sealed class ChatCommandTests : IAsyncLifetime
{
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
    }

    private Dictionary<string, string> Env() => new()
    {
        ["AgentHost__Backends__Mlx__Endpoint"] = _mlx.BaseAddress.ToString(),
        ["AgentHost__Backends__Ollama__Endpoint"] = _ollama.BaseAddress.ToString(),
        ["AgentHost__Backends__Victoria__Enabled"] = "false",
    };

    [Fact]
    public async Task Keeps_the_history_and_says_which_backend_answered_each_turn()
    {
        var result = await HostProcess.RunAsync(["chat"], Env(), standardInput: "my name is Ada\nwhat is my name?\n/exit\n");

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("MLX: my name is Ada", result.StdOut);
        Assert.Contains("MLX: what is my name?", result.StdOut);
        Assert.Equal(2, result.StdErr.Split('\n').Count(l => l.StartsWith("[answered by Mlx", StringComparison.Ordinal)));

        // The second request carried the first turn: the MLX connector renders history into the prompt.
        var second = _mlx.Requests.Where(r => r.PathAndQuery.StartsWith("/api/generate", StringComparison.Ordinal)).Last();
        Assert.Contains("my name is Ada", second.Body);
        Assert.Contains("MLX: my name is Ada", second.Body);
    }

    [Fact]
    public async Task Prints_the_whole_twenty_thousand_character_mlx_burst()
    {
        _mlx.Faults.Answer = _ => Http.StreamCoalescingTests.Burst; // all at once, one character a line, as the MLX server sends it

        var result = await HostProcess.RunAsync(["chat"], Env(), standardInput: "hi\n/exit\n");

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains(Http.StreamCoalescingTests.Burst, result.StdOut);
        Assert.Contains("[answered by Mlx", result.StdErr);
    }

    [Fact]
    public async Task Survives_a_backend_dying_mid_session_and_the_next_one_gets_the_whole_history()
    {
        _mlx.Faults.PassRequests = 1;
        _mlx.Faults.StatusCode = 503;

        var result = await HostProcess.RunAsync(["chat"], Env(), standardInput: "first question\nsecond question\n/exit\n");

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("MLX: first question", result.StdOut);
        Assert.Contains("Ollama: second question", result.StdOut);
        Assert.Contains("[answered by Mlx", result.StdErr);
        Assert.Contains("[answered by Ollama", result.StdErr);
        var ollamaRequest = _ollama.Requests.Last(r => r.PathAndQuery.StartsWith("/api/chat", StringComparison.Ordinal));
        Assert.Contains("first question", ollamaRequest.Body);
        Assert.Contains("MLX: first question", ollamaRequest.Body);
    }

    [Fact]
    public async Task While_it_fails_over_chat_says_so_on_stderr_before_the_answer()
    {
        _mlx.Faults.StatusCode = 503; // what the MLX server refuses a stream with before it starts (a 500 comes as a cut)
        _mlx.Faults.ErrorMessage = "model loading";

        var result = await HostProcess.RunAsync(["chat"], Env(), standardInput: "hello\n/exit\n");

        Assert.True(result.ExitCode == 0, result.StdErr);
        var lines = result.StdErr.Split('\n');
        var progress = Array.FindIndex(lines, l => l.Contains("[Mlx failed (503 model loading) → trying Ollama]", StringComparison.Ordinal));
        var answered = Array.FindIndex(lines, l => l.StartsWith("[answered by Ollama", StringComparison.Ordinal));
        Assert.True(progress >= 0 && progress < answered, result.StdErr);
        Assert.DoesNotContain("\u001b", lines[progress], StringComparison.Ordinal); // redirected stderr: no escape codes
    }

    [Fact]
    public async Task A_turn_no_backend_answers_is_reported_in_one_line_and_the_session_goes_on()
    {
        _mlx.Faults.StatusCode = 503;
        _mlx.Faults.ErrorMessage = "model loading";
        _ollama.Faults.StatusCode = 500;

        var result = await HostProcess.RunAsync(["chat"], Env(), standardInput: "hello\nstill there?\n/retry\n/exit\n");

        Assert.True(result.ExitCode == 0, result.StdErr);
        var failures = result.StdErr.Split('\n').Where(l => l.StartsWith("[no backend answered:", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, failures.Count);
        Assert.Contains("model loading", failures[0]);
        Assert.All(failures, l => Assert.Contains("Ollama", l));

        // Retries of each turn count towards MLX's breaker; by the third turn it may be open ("circuit open").
        Assert.Contains("still there?", _mlx.Requests.Last(r => r.PathAndQuery.StartsWith("/api/generate", StringComparison.Ordinal)).Body);
        Assert.DoesNotContain("   at ", result.StdErr);
    }
}
