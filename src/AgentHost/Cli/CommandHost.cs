using AgentHost.Hosting;
using AgentHost.Telemetry;
using Microsoft.Extensions.Options;

namespace AgentHost.Cli;

/// <summary>
/// Runs one CLI command inside a built, validated host. A misconfiguration is one line on stderr (exit 2),
/// a caller's Ctrl+C exits 130, never a stack trace.
/// </summary>
internal static class CommandHost
{
    public const int ExitOk = 0;
    public const int ExitNoAnswer = 1;
    public const int ExitConfiguration = 2;
    public const int ExitCancelled = 130;

    public static async Task<int> RunAsync(
        IReadOnlyList<string> configurationArgs, Func<IServiceProvider, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        IHost host;
        try
        {
            host = AgentHostApplication.CreateBuilder(configurationArgs).Build();
            host.Services.GetService<IStartupValidator>()?.Validate();
            host.Services.StartAgentHostTelemetry();
        }
        catch (Exception e) when (StartupErrors.Describe(e) is { } line)
        {
            await Console.Error.WriteLineAsync(line);
            return ExitConfiguration;
        }

        using (host)
        {
            try
            {
                return await body(host.Services, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("Cancelled.");
                return ExitCancelled;
            }
            catch (Exception e) when (StartupErrors.Describe(e) is { } line)
            {
                await Console.Error.WriteLineAsync(line);
                return ExitConfiguration;
            }
        }
    }
}
