using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using AgentHost.Emulators.Ollama;
using AgentHost.Tests.Cli;

namespace AgentHost.Tests.Http;

/// <summary><c>serve</c> as a person runs it: the built host in its own process.</summary>
public sealed partial class ServeCommandTests
{
    [Fact]
    public async Task Serve_answers_over_http_until_ctrl_c_then_stops_cleanly()
    {
        await using var ollama = new OllamaEmulator();
        await ollama.StartAsync();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "AgentHost.dll"), "serve", "--urls", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AgentHost__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["AgentHost__Backends__Ollama__Endpoint"] = ollama.BaseAddress.ToString();
        start.Environment["AgentHost__Backends__Mlx__Enabled"] = "false";
        start.Environment["AgentHost__Backends__Victoria__Enabled"] = "false";
        start.Environment["AgentHost__Storage__ConnectionString"] = $"Data Source={TestGateway.TempDatabase()}"; // never the person's own conversations
        using var process = Process.Start(start)!;
        var stderr = new List<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException("serve exited: " + string.Join("\n", stderr)));
                return;
            }

            lock (stderr)
            {
                stderr.Add(e.Data);
            }

            if (Listening().Match(e.Data) is { Success: true } m)
            {
                listening.TrySetResult(new Uri(m.Groups[1].Value.TrimEnd('/') + "/"));
            }
        };
        process.BeginErrorReadLine();
        try
        {
            var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
            using var http = new HttpClient { BaseAddress = address };

            using var answer = await http.PostAsync("v1/chat/completions", new StringContent(TestGateway.ChatBody("from a process"), System.Text.Encoding.UTF8, "application/json"));
            using var health = await http.GetAsync("health");

            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal("Ollama", answer.Headers.GetValues("x-agent-backend").Single());
            Assert.Contains("Ollama: from a process", await answer.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);

            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(cts.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.DoesNotContain(stderr, l => l.Contains("   at ", StringComparison.Ordinal));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Serve_beyond_loopback_without_a_key_refuses_to_start_with_one_line()
    {
        var result = await HostProcess.RunAsync(["serve", "--urls", "http://0.0.0.0:0"]);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("refusing to listen on http://0.0.0.0:0", line);
        Assert.Contains("AgentHost:Http:ApiKey", line);
    }

    [Fact]
    public async Task Serve_help_names_the_urls_option()
    {
        var result = await HostProcess.RunAsync(["serve", "--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--urls", result.StdOut);
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();
}
