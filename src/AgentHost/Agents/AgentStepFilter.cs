using System.Collections.Concurrent;
using System.Text.Json;
using AgentHost.Fallback;
using Microsoft.SemanticKernel;

namespace AgentHost.Agents;

/// <summary>
/// Watches one agent run's automatic function calls: records each call, hands a failed function's error text to the
/// model (instead of a generic failure) so it can correct itself, and stops calling functions once the agent's
/// step limit is reached.
/// </summary>
internal sealed partial class AgentStepFilter(AgentDefinition agent, ILogger logger) : IAutoFunctionInvocationFilter
{
    private readonly ConcurrentQueue<AgentFunctionCall> _calls = new();

    /// <summary>Every call so far, in the order they finished.</summary>
    public IReadOnlyList<AgentFunctionCall> Calls => [.. _calls];

    /// <summary>Whether a model step asked for functions after the step limit.</summary>
    public bool StepLimitReached { get; private set; }

    /// <inheritdoc />
    public async Task OnAutoFunctionInvocationAsync(AutoFunctionInvocationContext context, Func<AutoFunctionInvocationContext, Task> next)
    {
        var arguments = (context.Arguments ?? []).ToDictionary(a => a.Key, a => Text(a.Value), StringComparer.Ordinal);
        var backend = context.ChatMessageContent?.GetFallbackReport()?.Backend;
        var plugin = context.Function.PluginName;
        var name = context.Function.Name;
        if (context.RequestSequenceIndex >= agent.MaxSteps)
        {
            StepLimitReached = true;
            var refusal = $"Not run: the agent's limit of {agent.MaxSteps} function-calling steps was reached. Answer with what you have.";
            context.Result = new FunctionResult(context.Function, refusal);
            context.Terminate = true;
            _calls.Enqueue(new AgentFunctionCall(plugin, name, arguments, null, refusal, context.RequestSequenceIndex, backend));
            LogStepLimit(logger, agent.Name, agent.MaxSteps, plugin, name);
            return;
        }

        LogCalling(logger, agent.Name, plugin, name, context.RequestSequenceIndex);
        try
        {
            await next(context);
            _calls.Enqueue(new AgentFunctionCall(plugin, name, arguments, Text(context.Result.GetValue<object>()), null, context.RequestSequenceIndex, backend));
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.CancellationToken.IsCancellationRequested)
        {
            // Whatever a plugin function throws: the model gets the error as the tool's result, the agent goes on.
            var error = e is KernelException or JsonException or ArgumentException or InvalidOperationException or TimeoutException or IOException or UnauthorizedAccessException
                ? e.Message
                : $"{e.GetType().Name}: {e.Message}";
            context.Result = new FunctionResult(context.Function, "Error: " + error);
            _calls.Enqueue(new AgentFunctionCall(plugin, name, arguments, null, error, context.RequestSequenceIndex, backend));
            LogFailed(logger, agent.Name, plugin, name, error);
        }
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        JsonElement e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText(),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => JsonSerializer.Serialize(value),
    };

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "agent {Agent}: step {Step} calls {Plugin}.{Function}")]
    private static partial void LogCalling(ILogger logger, string agent, string? plugin, string function, int step);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "agent {Agent}: {Plugin}.{Function} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string agent, string? plugin, string function, string error);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "agent {Agent}: step limit {MaxSteps} reached; {Plugin}.{Function} not run, answering without tools")]
    private static partial void LogStepLimit(ILogger logger, string agent, int maxSteps, string? plugin, string function);
}
