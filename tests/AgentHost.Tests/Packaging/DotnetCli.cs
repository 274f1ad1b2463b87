using System.Diagnostics;

namespace AgentHost.Tests.Packaging;

/// <summary>Runs the .NET CLI (<c>dotnet pack</c>, <c>tool install</c>, <c>run</c>) as a person would, outside the test runner's MSBuild settings.</summary>
internal static class DotnetCli
{
    /// <summary>The repository's root: the folder above the tests that holds <c>agent.sln</c>.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "agent.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("No agent.sln above the tests.");
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="args"/> in <paramref name="directory"/>; fails the test unless it exits 0; returns its stdout.</summary>
    public static async Task<string> RunAsync(string[] args, string directory, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AgentHost__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key); // the test runner's MSBuild settings would steer the child build
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not exit:\n{await stdout}\n{await stderr}");
        }

        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
        return await stdout;
    }
}
