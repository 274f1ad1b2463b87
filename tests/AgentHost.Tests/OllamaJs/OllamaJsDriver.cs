using System.Diagnostics;
using System.Text.Json;
using AgentHost.Tests.Packaging;

namespace AgentHost.Tests.OllamaJs;

/// <summary>
/// Runs <c>driver.mjs</c> (the official ollama-js client, npm <c>ollama</c> as pinned in package-lock.json) with Node:
/// <c>node driver.mjs &lt;baseUrl&gt; &lt;case&gt; [model] [apiKey]</c>, and parses the one JSON object it prints. The first
/// use installs the client (<c>npm ci</c>) when <c>node_modules</c> lacks it, once, under a file lock so that parallel
/// test runs on one checkout do not install over each other.
/// </summary>
internal static class OllamaJsDriver
{
    private static readonly string Folder = Path.Combine(DotnetCli.RepoRoot(), "tests", "AgentHost.Tests", "OllamaJs");
    private static readonly SemaphoreSlim Installing = new(1, 1);
    private static bool _installed;

    /// <summary>Runs one case against <paramref name="baseUrl"/> and returns what the client gave (or <c>thrown</c>).</summary>
    public static async Task<JsonElement> RunAsync(Uri baseUrl, string name, string model = "agent-host", string? apiKey = null)
    {
        await EnsureInstalledAsync();
        string[] args = [Path.Combine(Folder, "driver.mjs"), baseUrl.ToString().TrimEnd('/'), name, model, .. apiKey is null ? Array.Empty<string>() : [apiKey]];
        var (exit, stdout, stderr) = await RunProcessAsync("node", args, TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, $"node driver.mjs {name} exited {exit}: {stderr}");
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
            ?? throw new InvalidOperationException($"node driver.mjs {name} printed nothing: {stderr}");
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    private static async Task EnsureInstalledAsync()
    {
        await Installing.WaitAsync();
        try
        {
            if (_installed || File.Exists(Path.Combine(Folder, "node_modules", "ollama", "package.json")))
            {
                _installed = true;
                return;
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await using var lockFile = await LockAsync(Path.Combine(Folder, ".npm-install.lock"), cts.Token);
            if (!File.Exists(Path.Combine(Folder, "node_modules", "ollama", "package.json")))
            {
                var (exit, stdout, stderr) = await RunProcessAsync("npm", ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(3));
                Assert.True(exit == 0, $"npm ci in {Folder} exited {exit} (Node and npm with the npm registry are needed for these tests): {stdout} {stderr}");
            }

            _installed = true;
        }
        finally
        {
            Installing.Release();
        }
    }

    /// <summary>An exclusive lock on <paramref name="path"/> (another process holding it: poll until the deadline).</summary>
    private static async Task<FileStream> LockAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException)
            {
                await Task.Delay(200, cancellationToken); // another process installs: wait for its lock to go
            }
        }
    }

    private static async Task<(int Exit, string StdOut, string StdErr)> RunProcessAsync(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} took longer than {timeout}: {await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
