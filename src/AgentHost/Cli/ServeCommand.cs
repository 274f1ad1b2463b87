using System.CommandLine;
using AgentHost.Hosting;
using AgentHost.Http;
using Microsoft.Extensions.Options;

namespace AgentHost.Cli;

/// <summary><c>serve [--urls URL]</c>: the HTTP service until Ctrl+C.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls")
        {
            Description = $"Where to listen (default {HttpServiceOptions.DefaultUrls}; ';' between several). Beyond loopback needs AgentHost:Http:ApiKey; every address (0.0.0.0) also AgentHost:Http:AllowedHosts.",
        };
        var command = new Command("serve", "The HTTP service: OpenAI-compatible /v1/chat/completions, /v1/models, /health, /prompts and the chat page at /.") { urls };
        command.SetAction((parse, ct) => RunAsync(parse, parse.GetValue(urls), ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, string? urls, CancellationToken cancellationToken)
    {
        if (!ConfigurationOverrides.TryParse(parse.UnmatchedTokens, out var overrides, out var error))
        {
            await Console.Error.WriteLineAsync(error);
            return CommandHost.ExitConfiguration;
        }

        if (!string.IsNullOrWhiteSpace(urls))
        {
            overrides.Add($"--{HttpServiceOptions.SectionName}:Urls={urls}");
        }

        WebApplication app;
        try
        {
            app = AgentHostApplication.CreateWebBuilder(overrides).BuildAgentHostWebApp();
            app.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch (Exception e) when (StartupErrors.Describe(e) is { } line)
        {
            await Console.Error.WriteLineAsync(line);
            return CommandHost.ExitConfiguration;
        }

        await using (app)
        {
            try
            {
                await ((IHost)app).RunAsync(cancellationToken);
            }
            catch (IOException e)
            {
                // Kestrel's "Failed to bind to address ...: address already in use."
                await Console.Error.WriteLineAsync($"Cannot listen: {e.Message}");
                return CommandHost.ExitConfiguration;
            }
        }

        return CommandHost.ExitOk;
    }
}
