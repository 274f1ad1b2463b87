using System.Text.Json;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Tests.Cli;

namespace AgentHost.Tests.Embedded;

/// <summary><c>chat</c> as a person types it, with every server down: the tiny model answers each turn, history kept.</summary>
public sealed class EmbeddedChatCommandTests : IAsyncLifetime
{
    private readonly MlxEmulator _mlx = new();
    private readonly OllamaEmulator _ollama = new();

    public async Task InitializeAsync()
    {
        await _mlx.StartAsync();
        await _ollama.StartAsync();
        _mlx.Faults.StatusCode = 503;
        _mlx.Faults.ErrorMessage = "model loading";
        _ollama.Faults.StatusCode = 503;
    }

    public async Task DisposeAsync()
    {
        await _mlx.DisposeAsync();
        await _ollama.DisposeAsync();
    }

    [Fact]
    public async Task Two_turns_are_answered_by_Embedded_after_each_server_fails_and_the_second_carries_the_first()
    {
        var env = EverythingDown.ProcessEnvironment(_mlx.BaseAddress, _ollama.BaseAddress);
        env["AgentHost__Fallback__Resilience__MaxRetryAttempts"] = "0"; // one try per server and turn: no breaker opens in two turns

        // The chat logs only failovers by default; with the chain's log at Information each turn shows every attempt.
        var result = await HostProcess.RunAsync(["chat", "--Logging:LogLevel:AgentHost.Fallback=Information"], env,
            standardInput: "my name is Ada\nwhat is my name?\n/exit\n");

        Assert.True(result.ExitCode == 0, result.StdErr);
        var stderr = result.StdErr.Split('\n');
        var opening = Assert.Single(stderr, l => l.StartsWith("agent-host chat — backends up: ", StringComparison.Ordinal));
        Assert.Contains("Embedded", opening);
        Assert.DoesNotContain("Victoria", opening); // probed at start: refused
        var answered = stderr.Where(l => l.StartsWith("[answered by ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, answered.Count);
        Assert.All(answered, l => Assert.StartsWith("[answered by Embedded (tiny-llama.gguf)", l));

        // Each turn: every server's failure (or skip, saying why) is logged before Embedded answers, in process. The
        // log lines are in order among themselves (one logger queue) but not against the chat's own answered-by lines.
        var logs = stderr.Where(l => !l.StartsWith("[answered by ", StringComparison.Ordinal) && !l.StartsWith("agent-host chat", StringComparison.Ordinal)).ToArray();
        var turnEnds = logs.Select((Line, Index) => (Line, Index)).Where(x => x.Line.StartsWith("[Embedded] answered via Embedded (LLamaSharp) in process in ", StringComparison.Ordinal)).Select(x => x.Index).ToList();
        Assert.True(turnEnds.Count == 2, $"Embedded answered both turns:\n{result.StdErr}");
        var turnStart = 0;
        foreach (var end in turnEnds)
        {
            var before = logs[turnStart..end];
            foreach (var server in EverythingDown.Servers)
            {
                Assert.True(
                    before.Any(l => l.Contains($"[{server}] failed: ", StringComparison.Ordinal) || l.Contains($"[{server}] skipped: ", StringComparison.Ordinal)),
                    $"{server}'s failure before Embedded's answer:\n{result.StdErr}");
            }

            Assert.Contains(before, l => l.Contains("[Mlx] failed: 503 model loading", StringComparison.Ordinal));
            Assert.Contains(before, l => l.Contains("[Ollama] failed: 503", StringComparison.Ordinal));
            Assert.Contains(before, l => (l.Contains("[Victoria] failed: ", StringComparison.Ordinal) || l.Contains("[Victoria] skipped: ", StringComparison.Ordinal))
                && l.Contains("refused", StringComparison.OrdinalIgnoreCase));
            turnStart = end + 1;
        }

        // The servers were asked each turn, and the second request carried the first turn: question and Embedded's answer.
        var ollamaCalls = _ollama.Requests.Where(r => r.PathAndQuery.StartsWith("/api/chat", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, ollamaCalls.Count);
        var sent = JsonDocument.Parse(ollamaCalls[1].Body).RootElement.GetProperty("messages").EnumerateArray()
            .Select(m => (Role: m.GetProperty("role").GetString(), Content: m.GetProperty("content").GetString() ?? "")).ToList();
        Assert.Equal(["user", "assistant", "user"], sent.Select(m => m.Role));
        Assert.Equal("my name is Ada", sent[0].Content);
        Assert.Equal("what is my name?", sent[2].Content);
        var firstAnswer = sent[1].Content;
        Assert.False(string.IsNullOrWhiteSpace(firstAnswer), "Embedded's first answer is kept in the history");

        // What the person saw: the first answer, then a second non-empty one, each ended by a newline.
        Assert.StartsWith(firstAnswer + "\n", result.StdOut, StringComparison.Ordinal);
        var secondAnswer = result.StdOut[(firstAnswer.Length + 1)..];
        Assert.EndsWith("\n", secondAnswer, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(secondAnswer), "the second turn has an answer too");
        Assert.Contains("my name is Ada", _mlx.Requests.Last(r => r.PathAndQuery.StartsWith("/api/generate", StringComparison.Ordinal)).Body);
    }
}
