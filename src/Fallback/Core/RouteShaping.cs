using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Core;

/// <summary>
/// What a route changes in the request (<see cref="FallbackRouteOptions.Tools"/>, <see cref="FallbackRouteOptions.Instructions"/>,
/// <see cref="FallbackRouteOptions.Settings"/>): tools dropped for the whole call (before planning, so no backend is
/// skipped for tools it would never be offered), then per backend its instructions and settings. The caller's
/// messages and options are never changed; copies are made only when the route shapes something.
/// </summary>
internal static class RouteShaping
{
    /// <summary>The call's options on <paramref name="route"/>: without tools when the route offers none.</summary>
    public static ChatOptions? ForCall(FallbackRoute route, ChatOptions? options)
    {
        if (route.OffersTools || options is not ({ Tools.Count: > 0 } or { ToolMode: not null }))
        {
            return options;
        }

        var shaped = options.Clone();
        shaped.Tools = null;
        shaped.ToolMode = null;
        return shaped;
    }

    /// <summary>What <paramref name="backend"/> is sent on <paramref name="route"/>: its instructions first, its settings added.</summary>
    public static (IReadOnlyList<ChatMessage> Messages, ChatOptions? Options) ForBackend(
        FallbackRoute route, string backend, IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        if (route.Instructions.Count == 0 && route.Settings.Count == 0)
        {
            return (messages, options);
        }

        if (route.Instructions.TryGetValue(backend, out var instructions))
        {
            messages = [new ChatMessage(ChatRole.System, instructions), .. messages];
        }

        if (route.Settings.TryGetValue(backend, out var settings) && settings.Count > 0)
        {
            options = options?.Clone() ?? new ChatOptions();
            options.AdditionalProperties = options.AdditionalProperties is { } existing ? new(existing) : [];
            foreach (var (key, value) in settings)
            {
                options.AdditionalProperties[key] = value;
            }
        }

        return (messages, options);
    }
}
