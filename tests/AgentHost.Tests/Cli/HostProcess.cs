using System.Diagnostics;

namespace AgentHost.Tests.Cli;

/// <summary>
/// Runs the host as a person would (the built <c>dotnet AgentHost.dll ...</c>, or an installed copy) and captures what it
/// printed. Nothing from the developer's own environment, config file, models folder or hub steers it.
/// </summary>
internal static class HostProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    /// <summary>Runs the host the tests built, from the tests' folder, in the <c>Test</c> environment.</summary>
    public static Task<Result> RunAsync(
        IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null, string? standardInput = null)
    {
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AgentHost.dll"));
        start.Environment["DOTNET_ENVIRONMENT"] = "Test";
        return RunAsync(start, args, environment, timeout, standardInput);
    }

    /// <summary>
    /// Runs an installed host (<paramref name="executable"/>: the tool's launcher) in <paramref name="workingDirectory"/>,
    /// in the environment a person's shell gives it (no <c>DOTNET_ENVIRONMENT</c>).
    /// </summary>
    public static Task<Result> RunInstalledAsync(
        string executable, string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(executable) { WorkingDirectory = workingDirectory };
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        return RunAsync(start, args, environment, timeout, standardInput: null);
    }

    private static async Task<Result> RunAsync(
        ProcessStartInfo start, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, TimeSpan? timeout, string? standardInput)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Nothing from the developer's own environment may steer the host under test.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AgentHost__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        // Nor the person's own config file, models folder or hub: each run gets empty config and cache folders.
        var home = Directory.CreateTempSubdirectory("agent-host-home-").FullName;
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(home, "config");
        start.Environment["XDG_CACHE_HOME"] = Path.Combine(home, "cache");
        start.Environment["XDG_DATA_HOME"] = Path.Combine(home, "data"); // stored conversations, unless AgentHost__Storage__ConnectionString names a file
        start.Environment.Remove("HF_ENDPOINT");
        start.Environment.Remove("HF_TOKEN");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The host did not exit: {string.Join(' ', args)}\n{await stderr}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
