using System.CommandLine;
using AgentHost.Fallback;
using Microsoft.Extensions.AI;

namespace AgentHost.Cli;

/// <summary><c>ask "&lt;message&gt;" [--json]</c>: one chat turn through the chain.</summary>
internal static class AskCommand
{
    public static Command Create()
    {
        var message = new Argument<string>("message") { Description = "What to ask." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: text, backend, model and every attempt." };
        var route = Routing.RouteCliOptions.Route();
        var model = Routing.RouteCliOptions.Model();
        var command = new Command("ask", "One chat turn through the fallback chain.") { message, json, route, model };
        command.SetAction((parse, ct) => CliCommands.RunInHostAsync(
            parse, (services, token) => RunAsync(services, parse.GetValue(message)!, parse.GetValue(json), parse.GetValue(route), parse.GetValue(model), token), ct));
        return command;
    }

    private static async Task<int> RunAsync(IServiceProvider services, string message, bool json, string? route, string? model, CancellationToken cancellationToken)
    {
        ChatOptions? options;
        try
        {
            options = await Routing.RouteCliOptions.ResolveAsync(services, route, model, cancellationToken);
        }
        catch (FallbackRouteNotFoundException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return CommandHost.ExitConfiguration;
        }

        await services.GetRequiredService<BackendHealthMonitor>().ProbeAllAsync(cancellationToken);
        var chat = services.GetRequiredService<IChatClient>();
        try
        {
            var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, message)], options, cancellationToken);
            var report = response.GetFallbackReport();
            await Console.Out.WriteLineAsync(json ? AnswerJson.Serialize(response.Text, report) : response.Text);
            return CommandHost.ExitOk;
        }
        catch (FallbackExhaustedException e)
        {
            if (json)
            {
                await Console.Out.WriteLineAsync(AnswerJson.Serialize(null, e.Report));
            }

            await Console.Error.WriteLineAsync(e.Message);
            if (NoAnswerHint.For(services) is { } hint)
            {
                await Console.Error.WriteLineAsync(hint);
            }

            return CommandHost.ExitNoAnswer;
        }
    }
}
