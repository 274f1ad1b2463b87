using AgentHost.Fallback;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace AgentHost.Routing;

/// <summary>
/// A caller's explicit, already checked choice of route and/or model, carried to the chain either on MEAI
/// <see cref="ChatOptions"/> (<see cref="FallbackChatOptionsExtensions"/>) or on SK <see cref="PromptExecutionSettings"/>
/// (its <c>ExtensionData</c> keys <see cref="FallbackRouter.RouteKey"/> and <see cref="FallbackRouter.ModelKey"/>, which the
/// chain's SK face passes through as <see cref="ChatOptions.AdditionalProperties"/>). For a model choice the router's
/// decision goes along typed (<see cref="FallbackRouter.DecisionKey"/>), so the chain does not look the model up again;
/// the names stay beside it for settings whose values SK turns into JSON on the way (derived settings types). A route
/// choice goes by name only: the model rules still pick its models from each request's messages, which are not known
/// when the choice is checked.
/// </summary>
/// <param name="Route">A route name (<c>--route</c>), or a route or model name given as one (the OpenAI <c>model</c> field).</param>
/// <param name="Model">A model some backend serves (<c>--model</c>).</param>
/// <param name="Decision">The router's decision for the choice, when it was made while checking it.</param>
internal sealed record RouteChoice(string? Route, string? Model, FallbackRouteDecision? Decision = null)
{
    /// <summary>The choice for a name the router resolved to <paramref name="decision"/>: a route stays a route, a served model becomes a model.</summary>
    public static RouteChoice ForName(string name, FallbackRouteDecision decision)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(decision);
        return decision.Route.IsModel ? new RouteChoice(null, name.Trim(), decision) : new RouteChoice(name.Trim(), null, decision);
    }

    /// <summary>The decision carried typed: a model choice's (nothing in it depends on the messages), else none.</summary>
    private FallbackRouteDecision? Carried => Decision is { Route.IsModel: true } ? Decision : null;

    /// <summary>Adds the choice to <paramref name="options"/> and returns them.</summary>
    public ChatOptions ApplyTo(ChatOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Carried is { } decision)
        {
            return options.WithFallbackDecision(decision);
        }

        if (!string.IsNullOrWhiteSpace(Route))
        {
            options.WithFallbackRoute(Route);
        }

        if (!string.IsNullOrWhiteSpace(Model))
        {
            options.WithFallbackModel(Model);
        }

        return options;
    }

    /// <summary>A copy of <paramref name="settings"/> (or new settings) whose extension data carries the choice.</summary>
    public PromptExecutionSettings ApplyTo(PromptExecutionSettings? settings)
    {
        var copy = settings?.Clone() ?? new PromptExecutionSettings();
        var data = copy.ExtensionData is null ? new Dictionary<string, object>() : new Dictionary<string, object>(copy.ExtensionData);
        data.Remove(FallbackRouter.RouteKey);
        data.Remove(FallbackRouter.ModelKey);
        data.Remove(FallbackRouter.DecisionKey);
        if (Carried is { } decision && copy.GetType() == typeof(PromptExecutionSettings))
        {
            // SK hands the base type's extension data to the chat client as it is; a derived type's goes through JSON
            // (which knows nothing of the decision), so there only the names below are carried.
            data[FallbackRouter.DecisionKey] = decision;
        }

        if (!string.IsNullOrWhiteSpace(Route))
        {
            data[FallbackRouter.RouteKey] = Route;
        }

        if (!string.IsNullOrWhiteSpace(Model))
        {
            data[FallbackRouter.ModelKey] = Model;
        }

        copy.ExtensionData = data;
        return copy;
    }

    /// <summary>
    /// The execution settings of a prompt function with the choice added to each (a prompt without settings gets default
    /// ones carrying only the choice), keyed as SK keys them (service id, <c>default</c>).
    /// </summary>
    public Dictionary<string, PromptExecutionSettings> ApplyTo(IReadOnlyDictionary<string, PromptExecutionSettings>? settings)
    {
        var result = new Dictionary<string, PromptExecutionSettings>(StringComparer.OrdinalIgnoreCase);
        foreach (var (serviceId, value) in settings ?? new Dictionary<string, PromptExecutionSettings>())
        {
            result[serviceId] = ApplyTo(value);
        }

        if (result.Count == 0)
        {
            result[PromptExecutionSettings.DefaultServiceId] = ApplyTo((PromptExecutionSettings?)null);
        }

        return result;
    }

    /// <summary>The choice in one phrase, e.g. <c>route local</c>, <c>model qwen2.5:7b</c>, <c>route local, model llama3.2</c>.</summary>
    public override string ToString() => string.Join(", ",
        new[] { Route is null ? null : $"route {Route}", Model is null ? null : $"model {Model}" }.Where(s => s is not null));
}
