using System.Diagnostics;

namespace AgentHost.Tests.Cli;

/// <summary>Runs the built host as a person would (<c>dotnet AgentHost.dll ...</c>) and captures what it printed.</summary>
internal static class HostProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static async Task<Result> RunAsync(
        IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null, string? standardInput = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "AgentHost.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Nothing from the developer's own environment may steer the host under test.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AgentHost__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Test";

        // Nor the person's own config file, models folder or hub: each run gets empty config and cache folders.
        var home = Directory.CreateTempSubdirectory("agent-host-home-").FullName;
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(home, "config");
        start.Environment["XDG_CACHE_HOME"] = Path.Combine(home, "cache");
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
