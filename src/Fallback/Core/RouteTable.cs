using AgentHost.Backends;

namespace AgentHost.Fallback.Core;

/// <summary>
/// The routes (the <c>default</c> one first) and the enabled rules, built from configuration; every problem found
/// is one readable line in the error list (unknown backend or route, bad regular expression, empty order, ...).
/// </summary>
internal sealed class RouteTable
{
    private RouteTable(IReadOnlyList<FallbackRoute> routes, IReadOnlyList<RouteRule> rules, IReadOnlyDictionary<string, IReadOnlyList<string>> examples)
    {
        Routes = routes;
        Rules = rules;
        SemanticExamples = examples;
    }

    /// <summary>Every route; <c>default</c> first.</summary>
    public IReadOnlyList<FallbackRoute> Routes { get; }

    /// <summary>The enabled rules, in order.</summary>
    public IReadOnlyList<RouteRule> Rules { get; }

    /// <summary>Example utterances by route name (empty unless semantic routing is on).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> SemanticExamples { get; }

    public int IndexOf(string route)
    {
        for (var i = 0; i < Routes.Count; i++)
        {
            if (string.Equals(Routes[i].Name, route, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    public static RouteTable Build(FallbackOptions fallback, FallbackRoutingOptions routing, IReadOnlyCollection<BackendDescriptor> descriptors, List<string> errors,
        Func<BackendDescriptor, bool>? isEnabled = null)
    {
        var registered = descriptors.Select(d => d.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var known = registered.Count == 0 ? "none are registered" : $"registered: {string.Join(", ", registered)}";
        var routes = new List<FallbackRoute>();
        var defaultOptions = routing.Routes.GetValueOrDefault(FallbackRouter.DefaultRouteName);
        var defaultEntries = FallbackOrder.Resolve(fallback, descriptors, out _, isEnabled); // FallbackOptionsValidator reports its errors.
        var defaultPath = $"{FallbackRoutingOptions.RoutesSectionName}:{FallbackRouter.DefaultRouteName}";
        if (defaultOptions is { Order.Count: > 0 })
        {
            errors.Add($"{defaultPath}:Order: the default route's order is {FallbackOptions.SectionName}:Order; set it there.");
        }

        routes.Add(new FallbackRoute(FallbackRouter.DefaultRouteName, defaultEntries, Models(defaultOptions?.Models, $"{defaultPath}:Models", registered, known, errors),
            defaultOptions?.Description ?? "the fallback order", isModel: false, Behaviour(defaultOptions, defaultPath, registered, known, errors)));

        foreach (var (name, options) in routing.Routes.Where(r => !string.Equals(r.Key, FallbackRouter.DefaultRouteName, StringComparison.OrdinalIgnoreCase)))
        {
            var path = $"{FallbackRoutingOptions.RoutesSectionName}:{name}";
            if (options is null || string.IsNullOrWhiteSpace(name))
            {
                errors.Add($"{path}: the route is empty; give it an Order.");
                continue;
            }

            var order = options.Order.Where(e => !string.IsNullOrWhiteSpace(e)).ToList();
            var unknown = order.Select(e => FallbackOrderEntry.Parse(e).Name).Where(n => !registered.Contains(n, StringComparer.OrdinalIgnoreCase))
                .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (order.Count == 0)
            {
                errors.Add($"{path}:Order is empty; name at least one backend ({known}).");
                continue;
            }

            if (unknown.Count > 0)
            {
                errors.Add($"{path}:Order names {Quote(unknown)}, which {(unknown.Count == 1 ? "is" : "are")} not a registered backend ({known}).");
                continue;
            }

            var entries = FallbackOrder.Resolve(new FallbackOptions { Order = order }, descriptors, out _, isEnabled);
            routes.Add(new FallbackRoute(name, entries, Models(options.Models, $"{path}:Models", registered, known, errors), options.Description, isModel: false,
                Behaviour(options, path, registered, known, errors)));
        }

        var table = new RouteTable(routes, [], new Dictionary<string, IReadOnlyList<string>>());
        var rules = new List<RouteRule>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < routing.Rules.Count; i++)
        {
            if (BuildRule(table, routing.Rules[i], i, registered, known, names, errors) is { } rule && routing.Rules[i].Enabled)
            {
                rules.Add(rule);
            }
        }

        return new RouteTable(routes, rules, routing.Semantic.Enabled ? Examples(table, routing.Semantic, errors) : table.SemanticExamples);
    }

    private static RouteRule? BuildRule(RouteTable table, FallbackRuleOptions? options, int index, List<string> registered, string known, HashSet<string> names, List<string> errors)
    {
        var name = string.IsNullOrWhiteSpace(options?.Name) ? $"rule{index}" : options.Name.Trim();
        var path = $"{FallbackRoutingOptions.SectionName}:Rules:{index} ({name})";
        if (options is null)
        {
            errors.Add($"{path}: the rule is empty.");
            return null;
        }

        var before = errors.Count;
        if (!names.Add(name))
        {
            errors.Add($"{path}: another rule has the name '{name}'.");
        }

        var routeIndex = -1;
        if (!string.IsNullOrWhiteSpace(options.Route) && (routeIndex = table.IndexOf(options.Route.Trim())) < 0)
        {
            errors.Add($"{path}: Route '{options.Route}' is not a route (routes: {string.Join(", ", table.Routes.Select(r => r.Name))}).");
        }

        Models(options.Models, $"{path}: Models", registered, known, errors);
        if (string.IsNullOrWhiteSpace(options.Route) && options.Models.Count == 0)
        {
            errors.Add($"{path}: the rule has no outcome; give it a Route, Models, or both.");
        }

        if (options.MinLength is < 0 || options.MaxLength is < 0 || options.MinLength > options.MaxLength)
        {
            errors.Add($"{path}: MinLength {options.MinLength} and MaxLength {options.MaxLength} leave no message length.");
        }

        var rule = RouteRule.Create(options, name, routeIndex, out var error);
        if (error is not null)
        {
            errors.Add($"{path}: {error}.");
        }

        return errors.Count == before ? rule : null;
    }

    private static Dictionary<string, IReadOnlyList<string>> Examples(RouteTable table, FallbackSemanticRoutingOptions semantic, List<string> errors)
    {
        var path = $"{FallbackRoutingOptions.SectionName}:Semantic";
        var examples = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (route, utterances) in semantic.Examples)
        {
            var index = table.IndexOf(route);
            var list = utterances?.Where(u => !string.IsNullOrWhiteSpace(u)).ToList() ?? [];
            if (index < 0)
            {
                errors.Add($"{path}:Examples:{route}: '{route}' is not a route (routes: {string.Join(", ", table.Routes.Select(r => r.Name))}).");
            }
            else if (list.Count == 0)
            {
                errors.Add($"{path}:Examples:{route}: no example utterances.");
            }
            else
            {
                examples[table.Routes[index].Name] = list;
            }
        }

        if (semantic.Examples.Count == 0)
        {
            errors.Add($"{path}: Enabled, but no Examples are given (example utterances per route).");
        }

        if (semantic.Threshold is < -1 or > 1 || double.IsNaN(semantic.Threshold))
        {
            errors.Add($"{path}:Threshold must be between -1 and 1 (a cosine similarity).");
        }

        if (semantic.Timeout <= TimeSpan.Zero)
        {
            errors.Add($"{path}:Timeout must be positive.");
        }

        return examples;
    }

    private static Dictionary<string, string> Models(Dictionary<string, string>? models, string path, List<string> registered, string known, List<string> errors)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (backend, model) in models ?? [])
        {
            var canonical = registered.FirstOrDefault(r => string.Equals(r, backend, StringComparison.OrdinalIgnoreCase));
            if (canonical is null)
            {
                errors.Add($"{path} names '{backend}', which is not a registered backend ({known}).");
            }
            else if (string.IsNullOrWhiteSpace(model))
            {
                errors.Add($"{path}:{backend} is empty; name a model or remove the entry.");
            }
            else
            {
                result[canonical] = model.Trim();
            }
        }

        return result;
    }

    /// <summary>Checks a route's instructions, settings and cache keys; returns the options with backend names made canonical.</summary>
    private static FallbackRouteOptions? Behaviour(FallbackRouteOptions? options, string path, List<string> registered, string known, List<string> errors)
    {
        if (options is null)
        {
            return null;
        }

        var shaped = new FallbackRouteOptions { Tools = options.Tools, CacheTtl = options.CacheTtl, CacheMinGenerationTime = options.CacheMinGenerationTime };
        foreach (var (backend, text) in options.Instructions)
        {
            if (Canonical(backend, $"{path}:Instructions", registered, known, errors) is { } name)
            {
                if (string.IsNullOrWhiteSpace(text))
                {
                    errors.Add($"{path}:Instructions:{backend} is empty; give the text or remove the entry.");
                }
                else
                {
                    shaped.Instructions[name] = text.Trim();
                }
            }
        }

        foreach (var (backend, settings) in options.Settings)
        {
            if (Canonical(backend, $"{path}:Settings", registered, known, errors) is { } name && settings is not null)
            {
                shaped.Settings[name] = new Dictionary<string, string>(settings, StringComparer.OrdinalIgnoreCase);
            }
        }

        if (options.CacheTtl is { } ttl && ttl < TimeSpan.Zero)
        {
            errors.Add($"{path}:CacheTtl must not be negative.");
        }

        if (options.CacheMinGenerationTime < TimeSpan.Zero)
        {
            errors.Add($"{path}:CacheMinGenerationTime must not be negative.");
        }

        return shaped;
    }

    private static string? Canonical(string backend, string path, List<string> registered, string known, List<string> errors)
    {
        var canonical = registered.FirstOrDefault(r => string.Equals(r, backend, StringComparison.OrdinalIgnoreCase));
        if (canonical is null)
        {
            errors.Add($"{path} names '{backend}', which is not a registered backend ({known}).");
        }

        return canonical;
    }

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
}
