using AgentHost.Http;
using AgentHost.Telemetry;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Logging.Console;

namespace AgentHost.Hosting;

/// <summary>
/// Builds the generic host every command runs in: <c>appsettings.json</c>, then the user config file
/// (<see cref="UserFolders.ConfigFile"/>), then environment variables
/// (<c>AgentHost__Backends__Mlx__Endpoint</c>), then command-line overrides (<c>--AgentHost:Backends:Mlx:Enabled=false</c>).
/// </summary>
internal static class AgentHostApplication
{
    public static HostApplicationBuilder CreateBuilder(IReadOnlyList<string> configurationArgs)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [.. configurationArgs],
            ContentRootPath = ContentRoot.Locate(),
            ApplicationName = "AgentHost",
        });
        AddUserConfigFile(builder.Configuration);
        ConfigureLogging(builder.Logging);
        builder.Services.AddAgentHostChat(builder.Configuration);
        builder.Services.AddAgentHostTelemetry(builder.Configuration, prometheus: false);
        return builder;
    }

    /// <summary>
    /// The web host of <c>serve</c>: the same configuration, logging and services as <see cref="CreateBuilder"/>, plus the
    /// HTTP service and its <c>/metrics</c> (<see cref="TelemetryServiceCollectionExtensions"/>).
    /// </summary>
    public static WebApplicationBuilder CreateWebBuilder(IReadOnlyList<string> configurationArgs)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [.. configurationArgs],
            ContentRootPath = ContentRoot.Locate(),
            ApplicationName = "AgentHost",
        });
        AddUserConfigFile(builder.Configuration);
        ConfigureLogging(builder.Logging);
        builder.Services.AddAgentHostChat(builder.Configuration);
        builder.Services.AddAgentHostHttp(builder.Configuration);
        builder.Services.AddAgentHostTelemetry(builder.Configuration, prometheus: true);
        return builder;
    }

    /// <summary>Puts the user config file right after the shipped <c>appsettings*.json</c>, so environment variables and options still win.</summary>
    private static void AddUserConfigFile(ConfigurationManager configuration)
    {
        var sources = configuration.Sources;
        var index = 0;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is JsonConfigurationSource { Path: { } path } && path.StartsWith("appsettings", StringComparison.OrdinalIgnoreCase))
            {
                index = i + 1;
            }
        }

        var directory = UserFolders.ConfigDirectory;
        if (!Directory.Exists(directory))
        {
            return; // nothing to read, and a provider over a missing folder would throw
        }

        sources.Insert(index, new JsonConfigurationSource
        {
            Path = Path.GetFileName(UserFolders.ConfigFile),
            Optional = true,
            ReloadOnChange = false,
            FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(directory),
        });
    }

    /// <summary>Logs go to stderr, one line each, so stdout carries only answers (and JSON).</summary>
    public static void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddConsole(o => o.FormatterName = PlainConsoleFormatter.FormatterName);
        logging.AddConsoleFormatter<PlainConsoleFormatter, ConsoleFormatterOptions>();
        logging.Services.Configure<ConsoleLoggerOptions>(o =>
        {
            o.LogToStandardErrorThreshold = LogLevel.Trace;
            o.QueueFullMode = ConsoleLoggerQueueFullMode.DropWrite; // a full queue drops a line rather than blocking a request
        });
    }
}
