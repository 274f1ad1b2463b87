namespace AgentHost.Fallback;

/// <summary>
/// A caller named a route or model that does not exist (an HTTP 400, a one-line CLI error). The message lists the
/// routes and the models the backends serve.
/// </summary>
public sealed class FallbackRouteNotFoundException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public FallbackRouteNotFoundException(string name, IReadOnlyList<string> routes, IReadOnlyList<string> models)
        : base(FormatMessage(name, routes, models))
    {
        Name = name;
        Routes = routes;
        Models = models;
    }

    /// <summary>The name the caller gave.</summary>
    public string Name { get; }

    /// <summary>The routes that exist.</summary>
    public IReadOnlyList<string> Routes { get; }

    /// <summary>The models some backend serves (as configured or reported).</summary>
    public IReadOnlyList<string> Models { get; }

    private static string FormatMessage(string name, IReadOnlyList<string> routes, IReadOnlyList<string> models) =>
        $"'{name}' is neither a route nor a model any backend serves. Routes: {string.Join(", ", routes)}. " +
        $"Models: {(models.Count == 0 ? "none reported" : string.Join(", ", models))}.";
}
