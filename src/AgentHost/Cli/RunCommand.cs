using System.CommandLine;
using AgentHost.Fallback;
using AgentHost.Prompts;
using Spectre.Console;

namespace AgentHost.Cli;

/// <summary>
/// <c>run &lt;prompt&gt; [--arg name=value]... [--json] [--route r] [--model m]</c>: runs a prompt template from <c>prompts/</c>,
/// streaming the answer; with no name, lists the prompts. <c>--route</c>/<c>--model</c> reach the chain through the prompt's
/// execution settings (an unknown one is a line listing what exists, exit 2). <c>--arg input=-</c> reads the value from standard input (<c>git diff | run commit-message --arg input=-</c>).
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var prompt = new Argument<string?>("prompt") { Description = "The prompt to run (omit to list them).", Arity = ArgumentArity.ZeroOrOne };
        var arg = new Option<string[]>("--arg")
        {
            Description = "A template argument as name=value (repeat for more); a value of - reads standard input.",
            AllowMultipleArgumentsPerToken = false,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: text, backend, model and every attempt." };
        var route = Routing.RouteCliOptions.Route();
        var model = Routing.RouteCliOptions.Model();
        var command = new Command("run", "Run a prompt template from prompts/ (no name: list them).") { prompt, arg, json, route, model };
        command.SetAction((parse, ct) => CliCommands.RunInHostAsync(parse, (services, token) =>
            RunAsync(services, parse.GetValue(prompt), parse.GetValue(arg) ?? [], parse.GetValue(json), parse.GetValue(route), parse.GetValue(model), token), ct));
        return command;
    }

    private static async Task<int> RunAsync(IServiceProvider services, string? name, string[] args, bool json, string? route, string? model,
        CancellationToken cancellationToken)
    {
        var library = services.GetRequiredService<PromptLibrary>();
        if (string.IsNullOrWhiteSpace(name))
        {
            await ListAsync(library);
            return CommandHost.ExitOk;
        }

        PreparedPrompt prepared;
        try
        {
            prepared = library.Prepare(name, await ParseArgumentsAsync(args, cancellationToken));
            prepared = PromptLibrary.WithRoute(prepared, await Routing.RouteCliOptions.ResolveChoiceAsync(services, route, model, cancellationToken));
        }
        catch (Exception e) when (e is PromptException or FallbackRouteNotFoundException)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return CommandHost.ExitConfiguration;
        }

        await services.GetRequiredService<BackendHealthMonitor>().ProbeAllAsync(cancellationToken);
        try
        {
            if (json)
            {
                var answer = await library.RunAsync(prepared, cancellationToken);
                await Console.Out.WriteLineAsync(AnswerJson.Serialize(answer.Text, answer.Report));
                return CommandHost.ExitOk;
            }

            await foreach (var chunk in library.StreamAsync(prepared, cancellationToken))
            {
                await Console.Out.WriteAsync(chunk.Content);
                await Console.Out.FlushAsync(cancellationToken);
            }

            await Console.Out.WriteLineAsync();
            return CommandHost.ExitOk;
        }
        catch (FallbackStreamInterruptedException e)
        {
            await Console.Out.WriteLineAsync();
            await Console.Error.WriteLineAsync($"Cut off: {e.Backend} failed after {e.StreamedText.Length} characters ({e.InnerException?.Message ?? e.Message}).");
            return CommandHost.ExitNoAnswer;
        }
        catch (FallbackExhaustedException e)
        {
            if (json)
            {
                await Console.Out.WriteLineAsync(AnswerJson.Serialize(null, e.Report));
            }

            await Console.Error.WriteLineAsync(e.Message);
            return CommandHost.ExitNoAnswer;
        }
    }

    /// <summary>Reads <c>name=value</c> pairs; the value <c>-</c> is standard input (once).</summary>
    private static async Task<Dictionary<string, string?>> ParseArgumentsAsync(string[] args, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        string? stdin = null;
        foreach (var pair in args)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new PromptException(PromptException.InvalidArgument, $"--arg expects name=value, got '{pair}'.");
            }

            var value = pair[(eq + 1)..];
            if (value == "-")
            {
                value = stdin ??= (await Console.In.ReadToEndAsync(cancellationToken)).TrimEnd('\r', '\n');
            }

            result[pair[..eq].Trim()] = value;
        }

        return result;
    }

    private static async Task ListAsync(PromptLibrary library)
    {
        foreach (var error in library.LoadErrors)
        {
            await Console.Error.WriteLineAsync($"Skipped {error}");
        }

        if (library.Prompts.Count == 0)
        {
            await Console.Error.WriteLineAsync($"No prompts in {library.Root}.");
            return;
        }

        var table = new Table().AddColumns("Prompt", "Description", "Variables");
        foreach (var prompt in library.Prompts)
        {
            table.AddRow(Markup.Escape(prompt.Name), Markup.Escape(prompt.Description), Markup.Escape(prompt.DescribeVariables(Environment.NewLine)));
        }

        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 200; // a pipe or file has no width: don't wrap rows for it
        }

        AnsiConsole.Write(table);
        await Console.Out.WriteLineAsync($"Run one with: run <prompt> --arg name=value ...   ({library.Prompts.Count} prompts in {library.Root})");
    }
}
