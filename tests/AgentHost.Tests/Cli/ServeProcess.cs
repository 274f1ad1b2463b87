using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentHost.Tests.Cli;

/// <summary>
/// <c>serve</c> as a person runs it: the built host in its own process, in the <c>Test</c> environment, on a free
/// loopback port, configured only by <c>AgentHost__…</c> environment variables (the test's own are removed). Waits for
/// "Now listening on"; <see cref="StopAsync"/> sends Ctrl+C (SIGINT) and waits; disposing kills what is left.
/// Several can run at once (replicas on one Redis, one database).
/// </summary>
public sealed partial class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr;

    private ServeProcess(Process process, ConcurrentQueue<string> stderr, Uri address)
    {
        _process = process;
        _stderr = stderr;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Where it listens (<c>http://127.0.0.1:PORT/</c>).</summary>
    public Uri Address { get; }

    /// <summary>A client for <see cref="Address"/>.</summary>
    public HttpClient Client { get; }

    /// <summary>Every line written to standard error and output so far (the host's log).</summary>
    public IReadOnlyList<string> StdErr => [.. _stderr];

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <c>serve --urls http://127.0.0.1:0</c> with <paramref name="environment"/> (and <paramref name="args"/> after it).</summary>
    public static async Task<ServeProcess> StartAsync(IReadOnlyDictionary<string, string> environment, IEnumerable<string>? args = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "AgentHost.dll"), "serve", "--urls", "http://127.0.0.1:0" }.Concat(args ?? []))
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AgentHost__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Test";
        // Never the person's own models folder: a pulled model would add the Embedded backend to every order.
        start.Environment["AgentHost__Models__Path"] = Path.Combine(Path.GetTempPath(), "agent-host-tests-no-models");
        // Never the person's own conversations: a fresh temporary file unless the test names one (a restart, replicas).
        start.Environment["AgentHost__Storage__ConnectionString"] = $"Data Source={Http.TestGateway.TempDatabase()}";
        start.Environment["XDG_DATA_HOME"] = Directory.CreateTempSubdirectory("agent-host-data-").FullName;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var lines = new ConcurrentQueue<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException("serve exited: " + string.Join("\n", lines)));
                return;
            }

            lines.Enqueue(e.Data);
            if (Listening().Match(e.Data) is { Success: true } m)
            {
                listening.TrySetResult(new Uri(m.Groups[1].Value.TrimEnd('/') + "/"));
            }
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lines.Enqueue(e.Data);
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            var address = await listening.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
            return new ServeProcess(process, lines, address);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Sends Ctrl+C (SIGINT) and waits for the process to end; returns its exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-INT", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
            await _process.WaitForExitAsync(cts.Token);
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();
}
