using System.CommandLine;
using AgentHost.Fallback;
using Microsoft.Extensions.AI;

namespace AgentHost.Routing;

/// <summary>
/// The <c>--route</c> and <c>--model</c> options every chat-making command takes (<c>ask</c>, <c>chat</c>, <c>run</c>,
/// <c>agent</c>), and their translation into the chain's strict caller choice.
/// </summary>
internal static class RouteCliOptions
{
    public static Option<string?> Route() => new("--route")
    {
        Description = "The route to take: default, agent, ask, local, or another of AgentHost:Routes. Rules do not apply then.",
    };

    public static Option<string?> Model() => new("--model")
    {
        Description = "A model some backend serves: only those backends (of --route, if given) are tried, each asked for it.",
    };

    /// <summary>
    /// Checks the choice against the routes and the models the backends serve (throws
    /// <see cref="FallbackRouteNotFoundException"/>, whose message lists what exists) and returns options carrying it;
    /// <see langword="null"/> when neither was given.
    /// </summary>
    public static async Task<ChatOptions?> ResolveAsync(IServiceProvider services, string? route, string? model, CancellationToken cancellationToken) =>
        await ResolveChoiceAsync(services, route, model, cancellationToken) is { } choice ? choice.ApplyTo(new ChatOptions()) : null;

    /// <summary>
    /// Checks the choice as <see cref="ResolveAsync"/> does and returns it, to carry on SK execution settings (<c>run</c>,
    /// <c>agent</c>) or chat options; <see langword="null"/> when neither was given.
    /// </summary>
    public static async Task<RouteChoice?> ResolveChoiceAsync(IServiceProvider services, string? route, string? model, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(route) && string.IsNullOrWhiteSpace(model))
        {
            return null;
        }

        var decision = await services.GetRequiredService<FallbackRouter>().ResolveAsync(route, model, cancellationToken);
        return new RouteChoice(string.IsNullOrWhiteSpace(route) ? null : route.Trim(), string.IsNullOrWhiteSpace(model) ? null : model.Trim(), decision);
    }
}
