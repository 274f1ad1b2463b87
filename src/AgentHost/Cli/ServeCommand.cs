using System.CommandLine;
using AgentHost.Hosting;
using AgentHost.Http;
using AgentHost.Http.Ollama;
using Microsoft.Extensions.Options;

namespace AgentHost.Cli;

/// <summary><c>serve [--urls URL] [--ollama-port PORT]</c>: the HTTP service until Ctrl+C.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls")
        {
            Description = $"Where to listen (default {HttpServiceOptions.DefaultUrls}; ';' between several). Beyond loopback needs AgentHost:Http:ApiKey; every address (0.0.0.0) also AgentHost:Http:AllowedHosts.",
        };
        var ollamaPort = new Option<int?>("--ollama-port")
        {
            Description = "Also listen on this port (Ollama's is 11434) on the same addresses, for Ollama clients that cannot change their URL (AgentHost:Http:OllamaPort).",
        };
        var command = new Command("serve", "The HTTP service: OpenAI-compatible /v1/chat/completions and /v1/models, Ollama's /api/chat, /api/generate, /api/tags, ..., /health, /prompts and the chat page at /.")
        {
            urls,
            ollamaPort,
        };
        command.SetAction((parse, ct) => RunAsync(parse, parse.GetValue(urls), parse.GetValue(ollamaPort), ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, string? urls, int? ollamaPort, CancellationToken cancellationToken)
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

        if (ollamaPort is { } extra)
        {
            overrides.Add($"--{HttpServiceOptions.SectionName}:OllamaPort={extra}");
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

        var ollamaPortInUse = app.Services.GetRequiredService<IOptions<HttpServiceOptions>>().Value.OllamaPort; // read now: a failed start disposes the services
        await using (app)
        {
            try
            {
                await ((IHost)app).RunAsync(cancellationToken);
            }
            catch (IOException e)
            {
                // Kestrel's "Failed to bind to address ...: address already in use."
                await Console.Error.WriteLineAsync(ollamaPortInUse is { } taken && e.Message.Contains($":{taken}", StringComparison.Ordinal)
                    ? await OllamaPortConflict.DescribeAsync(taken, e.Message)
                    : $"Cannot listen: {e.Message}");
                return CommandHost.ExitConfiguration;
            }
        }

        return CommandHost.ExitOk;
    }
}
