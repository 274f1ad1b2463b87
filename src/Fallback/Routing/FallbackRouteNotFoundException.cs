namespace AgentHost.Fallback;

/// <summary>
/// A caller named a route or model that does not exist (an HTTP 400, a one-line CLI error). The message lists the
/// routes and the models the backends serve.
/// </summary>
public sealed class FallbackRouteNotFoundException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="name">The name the caller gave.</param>
    /// <param name="routes">The routes that exist.</param>
    /// <param name="models">The models that some backend (of <paramref name="route"/>, if given) serves.</param>
    /// <param name="kind">What the name was taken for.</param>
    /// <param name="route">The route the model was looked for in, when the caller named one.</param>
    public FallbackRouteNotFoundException(string name, IReadOnlyList<string> routes, IReadOnlyList<string> models, Kind kind = Kind.RouteOrModel, string? route = null)
        : base(FormatMessage(name, routes, models, kind, route))
    {
        Name = name;
        Routes = routes;
        Models = models;
    }

    /// <summary>What a name was taken for.</summary>
    public enum Kind
    {
        /// <summary>A route or a model (the OpenAI <c>model</c> field).</summary>
        RouteOrModel,

        /// <summary>A route (<c>--route</c>).</summary>
        Route,

        /// <summary>A model (<c>--model</c>).</summary>
        Model,
    }

    /// <summary>The name the caller gave.</summary>
    public string Name { get; }

    /// <summary>The routes that exist.</summary>
    public IReadOnlyList<string> Routes { get; }

    /// <summary>The models some backend serves (as configured or reported).</summary>
    public IReadOnlyList<string> Models { get; }

    private static string FormatMessage(string name, IReadOnlyList<string> routes, IReadOnlyList<string> models, Kind kind, string? route)
    {
        var routeList = $"Routes: {string.Join(", ", routes)}.";
        var modelList = $"Models: {(models.Count == 0 ? "none reported" : string.Join(", ", models))}.";
        return kind switch
        {
            Kind.Route => $"'{name}' is not a route. {routeList}",
            Kind.Model when route is not null => $"'{name}' is not a model any backend of route '{route}' serves. {modelList}",
            Kind.Model => $"'{name}' is not a model any backend serves. {modelList}",
            _ => $"'{name}' is neither a route nor a model any backend serves. {routeList} {modelList}",
        };
    }
}
