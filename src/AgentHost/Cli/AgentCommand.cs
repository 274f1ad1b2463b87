using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentHost.Agents;
using AgentHost.Fallback;

namespace AgentHost.Cli;

/// <summary>
/// <c>agent &lt;name&gt; "&lt;goal&gt;" [--json] [--route r] [--model m]</c>: runs an agent defined in <c>agents/</c> (instructions,
/// plugins, automatic function calling) through the chain. With no name, lists the agents. <c>--route</c>/<c>--model</c> reach
/// the chain through the agent's execution settings, for every model call of the run (an unknown one: a line listing what exists, exit 2).
/// </summary>
internal static class AgentCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create()
    {
        var name = new Argument<string?>("name") { Description = "The agent to run (a file in agents/); none lists them.", Arity = ArgumentArity.ZeroOrOne };
        var goal = new Argument<string?>("goal") { Description = "What the agent should do.", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: text, backend, model, attempts and the function calls made." };
        var route = Routing.RouteCliOptions.Route();
        var model = Routing.RouteCliOptions.Model();
        var command = new Command("agent", "Runs an agent: instructions + plugins + automatic function calling, through the fallback chain.")
        {
            name, goal, json, route, model,
        };
        command.SetAction((parse, ct) => CliCommands.RunInHostAsync(parse, (services, token) =>
            RunAsync(services, parse.GetValue(name), parse.GetValue(goal), parse.GetValue(json), (parse.GetValue(route), parse.GetValue(model)), token), ct));
        return command;
    }

    private static async Task<int> RunAsync(IServiceProvider services, string? name, string? goal, bool json, (string? Route, string? Model) choice,
        CancellationToken cancellationToken)
    {
        try
        {
            return await RunAgentAsync(services, name, goal, json, choice, cancellationToken);
        }
        catch (AgentDefinitionException e)
        {
            await Console.Error.WriteLineAsync($"Configuration error: {e.Message}");
            return CommandHost.ExitConfiguration;
        }
    }

    private static async Task<int> RunAgentAsync(IServiceProvider services, string? name, string? goal, bool json, (string? Route, string? Model) choice,
        CancellationToken cancellationToken)
    {
        var catalog = services.GetRequiredService<AgentCatalog>();
        if (string.IsNullOrWhiteSpace(name))
        {
            await ListAsync(catalog, json);
            return CommandHost.ExitOk;
        }

        if (catalog.Find(name) is not { } agent)
        {
            var known = catalog.Agents.Count == 0 ? $"there are none in {catalog.Directory}" : "agents: " + string.Join(", ", catalog.Agents.Select(a => a.Name));
            await Console.Error.WriteLineAsync($"Unknown agent '{name}'; {known}.");
            return CommandHost.ExitConfiguration;
        }

        if (string.IsNullOrWhiteSpace(goal))
        {
            await Console.Error.WriteLineAsync($"Give the agent a goal: agent {agent.Name} \"<goal>\".");
            return CommandHost.ExitConfiguration;
        }

        Routing.RouteChoice? route;
        try
        {
            route = await Routing.RouteCliOptions.ResolveChoiceAsync(services, choice.Route, choice.Model, cancellationToken);
        }
        catch (FallbackRouteNotFoundException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return CommandHost.ExitConfiguration;
        }

        await services.GetRequiredService<BackendHealthMonitor>().ProbeAllAsync(cancellationToken);
        try
        {
            var result = await services.GetRequiredService<AgentRunner>().RunAsync(agent, goal, cancellationToken, route);
            await Console.Out.WriteLineAsync(json ? Json(result.Text, result.Report, result.FunctionCalls) : result.Text);
            return CommandHost.ExitOk;
        }
        catch (FallbackExhaustedException e)
        {
            if (json)
            {
                await Console.Out.WriteLineAsync(Json(null, e.Report, []));
            }

            await Console.Error.WriteLineAsync(e.Message);
            return CommandHost.ExitNoAnswer;
        }
    }

    /// <summary>The <c>ask --json</c> object (<see cref="AnswerJson"/>) plus <c>functionCalls</c>.</summary>
    internal static string Json(string? text, FallbackReport? report, IReadOnlyList<AgentFunctionCall> calls)
    {
        var answer = JsonNode.Parse(AnswerJson.Serialize(text, report))!.AsObject();
        answer["functionCalls"] = JsonSerializer.SerializeToNode(calls.Select(c => new
        {
            name = c.Plugin is null ? c.Function : $"{c.Plugin}.{c.Function}",
            arguments = c.Arguments,
            result = c.Result,
            error = c.Error,
            step = c.Step,
            backend = c.Backend,
        }), JsonOptions);
        return answer.ToJsonString(JsonOptions);
    }

    private static async Task ListAsync(AgentCatalog catalog, bool json)
    {
        if (json)
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(
                catalog.Agents.Select(a => new { name = a.Name, description = a.Description, plugins = a.Plugins }), JsonOptions));
            return;
        }

        if (catalog.Agents.Count == 0)
        {
            await Console.Out.WriteLineAsync($"No agents in {catalog.Directory} (AgentHost:AgentsPath).");
            return;
        }

        var width = catalog.Agents.Max(a => a.Name.Length);
        foreach (var agent in catalog.Agents)
        {
            var plugins = agent.Plugins.Count == 0 ? "no plugins" : string.Join(", ", agent.Plugins);
            await Console.Out.WriteLineAsync($"{agent.Name.PadRight(width)}  {agent.Description} [{plugins}]");
        }
    }
}
