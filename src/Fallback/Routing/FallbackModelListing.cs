using Microsoft.Extensions.AI;

namespace AgentHost.Fallback;

/// <summary>One name a caller may give as the OpenAI <c>model</c>: a route, or a model some backend serves (for <c>GET /v1/models</c>).</summary>
/// <param name="Id">The name to give.</param>
/// <param name="IsRoute">Whether it is a route (else a model).</param>
/// <param name="Backends">For a route, the backends of its order; for a model, the backends that serve it.</param>
/// <param name="Description">For a route, what it is for, when configured.</param>
public sealed record FallbackModelListing(string Id, bool IsRoute, IReadOnlyList<string> Backends, string? Description = null);

/// <summary>Names a route (or a model) on <see cref="ChatOptions"/>, as an explicit, strict caller choice.</summary>
public static class FallbackChatOptionsExtensions
{
    /// <summary>
    /// Asks the chain to use the route or model <paramref name="routeOrModel"/> (stored under
    /// <see cref="FallbackRouter.RouteKey"/> in <see cref="ChatOptions.AdditionalProperties"/>). Unlike a bare
    /// <see cref="ChatOptions.ModelId"/>, an unknown name fails the call with <see cref="FallbackRouteNotFoundException"/>.
    /// </summary>
    public static ChatOptions WithFallbackRoute(this ChatOptions options, string routeOrModel)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(routeOrModel);
        (options.AdditionalProperties ??= [])[FallbackRouter.RouteKey] = routeOrModel;
        return options;
    }

    /// <summary>
    /// Asks the chain for the model <paramref name="model"/> (stored under <see cref="FallbackRouter.ModelKey"/>): only the
    /// backends that serve it are tried (those of the route named by <see cref="WithFallbackRoute"/>, if any), each asked
    /// for it. An unknown model fails the call with <see cref="FallbackRouteNotFoundException"/>.
    /// </summary>
    public static ChatOptions WithFallbackModel(this ChatOptions options, string model)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        (options.AdditionalProperties ??= [])[FallbackRouter.ModelKey] = model;
        return options;
    }

    /// <summary>
    /// Hands the chain a decision already made for this call (<see cref="FallbackRouter.DecideAsync"/>, by an endpoint or
    /// a client above the chain), typed: the chain uses it as it is, with no second resolution of names or catalogs.
    /// Any route or model named on <paramref name="options"/> is dropped, the decision having taken them into account.
    /// </summary>
    public static ChatOptions WithFallbackDecision(this ChatOptions options, FallbackRouteDecision decision)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(decision);
        var properties = options.AdditionalProperties ??= [];
        properties.Remove(FallbackRouter.RouteKey);
        properties.Remove(FallbackRouter.ModelKey);
        properties[FallbackRouter.DecisionKey] = decision;
        return options;
    }
}
