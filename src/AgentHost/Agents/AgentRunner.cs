using AgentHost.Fallback;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Agents;

/// <summary>
/// Runs an agent: its instructions as the system message, the goal as the user message, a kernel holding only the
/// agent's plugins, and SK automatic function calling over the host's chat service (the fallback chain's SK face, so
/// function invocation sits above the chain: each model step fails over on its own and no function runs twice).
/// </summary>
internal sealed partial class AgentRunner(IServiceProvider services, ILogger<AgentRunner> logger, IAgentPromptRenderer? promptRenderer = null)
{
    /// <summary>
    /// Runs <paramref name="agent"/> towards <paramref name="goal"/>; <paramref name="route"/> (<c>agent --route/--model</c>)
    /// goes on the execution settings of every model call of the run.
    /// </summary>
    public async Task<AgentRunResult> RunAsync(AgentDefinition agent, string goal, CancellationToken cancellationToken, Routing.RouteChoice? route = null)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentException.ThrowIfNullOrWhiteSpace(goal);
        var kernel = CreateKernel(agent);
        var filter = new AgentStepFilter(agent, logger);
        kernel.AutoFunctionInvocationFilters.Add(filter);

        var history = AgentConversation.Start(await InstructionsAsync(agent, goal, kernel, cancellationToken), goal, fromPrompt: agent.Prompt is not null);

        var chat = kernel.GetRequiredService<IChatCompletionService>();
        LogRunning(logger, agent.Name, string.Join(", ", agent.Plugins));
        var answer = await chat.GetChatMessageContentAsync(history, Settings(agent, withTools: agent.Plugins.Count > 0, route), kernel, cancellationToken);
        if (filter.StepLimitReached)
        {
            // The last step asked for more functions than allowed: one more model call, without tools, for the answer.
            history.Add(answer);
            answer = await chat.GetChatMessageContentAsync(history, Settings(agent, withTools: false, route), kernel, cancellationToken);
        }

        return new AgentRunResult(agent.Name, answer.Content ?? string.Empty, answer.GetFallbackReport(), filter.Calls, filter.StepLimitReached);
    }

    /// <summary>The execution settings of one model call of <paramref name="agent"/>, carrying the caller's <paramref name="route"/> choice if any.</summary>
    public static PromptExecutionSettings Settings(AgentDefinition agent, bool withTools, Routing.RouteChoice? route = null)
    {
        var settings = new PromptExecutionSettings { ExtensionData = new Dictionary<string, object>() };
        if (agent.Temperature is { } temperature)
        {
            settings.ExtensionData["temperature"] = temperature;
        }

        if (agent.MaxTokens is { } maxTokens)
        {
            settings.ExtensionData["max_tokens"] = maxTokens;
        }

        if (withTools)
        {
            settings.FunctionChoiceBehavior = agent.FunctionChoice switch
            {
                AgentFunctionChoice.Required => FunctionChoiceBehavior.Required(autoInvoke: true),
                AgentFunctionChoice.None => FunctionChoiceBehavior.None(),
                _ => FunctionChoiceBehavior.Auto(autoInvoke: true),
            };
        }

        return route is null ? settings : route.ApplyTo(settings);
    }

    // A kernel over the host's services with only the agent's plugins (each a singleton KernelPlugin in DI).
    private Kernel CreateKernel(AgentDefinition agent)
    {
        var available = services.GetServices<KernelPlugin>().ToList();
        var plugins = new KernelPluginCollection();
        foreach (var name in agent.Plugins)
        {
            plugins.Add(available.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidDataException($"{agent.SourcePath}: plugins: plugin '{name}' is not registered in this host."));
        }

        return new Kernel(services, plugins);
    }

    private async Task<string> InstructionsAsync(AgentDefinition agent, string goal, Kernel kernel, CancellationToken cancellationToken)
    {
        if (agent.Prompt is null)
        {
            return agent.Instructions ?? string.Empty;
        }

        if (promptRenderer is null)
        {
            throw new InvalidDataException($"{agent.SourcePath}: prompt: '{agent.Prompt}' cannot be used: prompt templates are not available in this host; use 'instructions' instead.");
        }

        var arguments = new KernelArguments { ["goal"] = goal, ["input"] = goal };
        foreach (var (key, value) in agent.PromptArguments)
        {
            arguments[key] = value;
        }

        try
        {
            return await promptRenderer.RenderAsync(agent.Prompt, arguments, kernel, cancellationToken);
        }
        catch (KeyNotFoundException e)
        {
            throw new InvalidDataException($"{agent.SourcePath}: prompt: {e.Message}", e);
        }
    }

    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "agent {Agent}: running with plugins [{Plugins}]")]
    private static partial void LogRunning(ILogger logger, string agent, string plugins);
}
