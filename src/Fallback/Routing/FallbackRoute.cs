using AgentHost.Fallback.Core;

namespace AgentHost.Fallback;

/// <summary>A route: a named order of backends and the model each is asked for.</summary>
public sealed class FallbackRoute
{
    private static readonly IReadOnlyDictionary<string, string> NoInstructions = new Dictionary<string, string>();
    private static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> NoSettings = new Dictionary<string, IReadOnlyDictionary<string, string>>();

    internal FallbackRoute(string name, IReadOnlyList<FallbackOrderEntry> entries, IReadOnlyDictionary<string, string> models, string? description, bool isModel,
        FallbackRouteOptions? behaviour = null)
    {
        Instructions = behaviour is { Instructions.Count: > 0 } ? new Dictionary<string, string>(behaviour.Instructions, StringComparer.OrdinalIgnoreCase) : NoInstructions;
        Settings = behaviour is { Settings.Count: > 0 }
            ? behaviour.Settings.ToDictionary(s => s.Key, s => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(s.Value), StringComparer.OrdinalIgnoreCase)
            : NoSettings;
        OffersTools = behaviour?.Tools ?? true;
        CacheTimeToLive = behaviour?.CacheTtl is { } ttl && ttl > TimeSpan.Zero ? ttl : null;
        CacheMinGenerationTime = behaviour?.CacheMinGenerationTime ?? TimeSpan.Zero;
        Name = name;
        Entries = entries;
        Order = [.. entries.Select(e => e.ToString())];
        Models = models;
        Description = description;
        IsModel = isModel;
    }

    /// <summary>The route's name (<c>default</c>, <c>agent</c>, ...), or the model's name when the caller chose a model.</summary>
    public string Name { get; }

    /// <summary>The order, e.g. <c>Victoria?</c>, <c>Mlx</c>, <c>Ollama</c>, <c>Victoria</c>.</summary>
    public IReadOnlyList<string> Order { get; }

    /// <summary>The model each backend is asked for, by backend name; backends not named answer with their configured model.</summary>
    public IReadOnlyDictionary<string, string> Models { get; }

    /// <summary>What the route is for, when configured.</summary>
    public string? Description { get; }

    /// <summary>Whether this route stands for a model the caller named (the backends that serve it, each asked for it).</summary>
    public bool IsModel { get; }

    /// <summary>The instructions each backend is given on this route (a system message before the conversation), by backend name.</summary>
    public IReadOnlyDictionary<string, string> Instructions { get; }

    /// <summary>The extra chat options each backend is sent on this route, by backend name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Settings { get; }

    /// <summary>Whether the caller's tools are offered on this route.</summary>
    public bool OffersTools { get; }

    /// <summary>How long an answer on this route is cached; <see langword="null"/>: not cached.</summary>
    public TimeSpan? CacheTimeToLive { get; }

    /// <summary>Answers made faster than this are not cached.</summary>
    public TimeSpan CacheMinGenerationTime { get; }

    /// <summary>Whether the route changes what a backend is sent (instructions, settings, no tools).</summary>
    internal bool ShapesRequests => Instructions.Count > 0 || Settings.Count > 0 || !OffersTools;

    internal IReadOnlyList<FallbackOrderEntry> Entries { get; }

    /// <summary>The route in one line, e.g. <c>ask: Mlx, Ollama, Victoria</c>.</summary>
    public override string ToString() => $"{Name}: {string.Join(", ", Order)}";
}

/// <summary>
/// The routing decision for one request: the route, the model per backend, and what chose them
/// (<see cref="ChosenBy"/>: <c>caller</c>, <c>rule:&lt;name&gt;</c>, <c>semantic</c>, <c>default</c>, or two of them joined
/// by <c>+</c> when one chose the route and a rule the models, e.g. <c>semantic+rule:code-model</c>).
/// </summary>
public sealed class FallbackRouteDecision
{
    /// <summary><see cref="ChosenBy"/> when the caller named the route or model.</summary>
    public const string ByCaller = "caller";

    /// <summary><see cref="ChosenBy"/> when nothing chose: the default route with its own models.</summary>
    public const string ByDefault = "default";

    /// <summary><see cref="ChosenBy"/> when semantic routing chose the route.</summary>
    public const string BySemantic = "semantic";

    /// <summary>The prefix of <see cref="ChosenBy"/> for a rule: <c>rule:&lt;name&gt;</c>.</summary>
    public const string RulePrefix = "rule:";

    internal FallbackRouteDecision(FallbackRoute route, string chosenBy, IReadOnlyDictionary<string, string>? ruleModels = null)
    {
        Route = route;
        ChosenBy = chosenBy;
        if (ruleModels is null || ruleModels.Count == 0)
        {
            Models = route.Models;
        }
        else
        {
            var merged = new Dictionary<string, string>(route.Models.Count + ruleModels.Count, StringComparer.OrdinalIgnoreCase);
            foreach (var (backend, model) in route.Models)
            {
                merged[backend] = model;
            }

            foreach (var (backend, model) in ruleModels)
            {
                merged[backend] = model;
            }

            Models = merged;
        }
    }

    /// <summary>The route in force.</summary>
    public FallbackRoute Route { get; }

    /// <summary>What chose the route and models (see the type's remarks).</summary>
    public string ChosenBy { get; }

    /// <summary>The model each backend is asked for (the route's models overlaid with a rule's); backends not named answer with their configured model.</summary>
    public IReadOnlyDictionary<string, string> Models { get; }

    /// <summary>The model to ask <paramref name="backend"/> for, or <see langword="null"/> for its configured one.</summary>
    public string? ModelFor(string backend) => Models.Count != 0 && Models.TryGetValue(backend, out var model) ? model : null;

    /// <summary>The decision in one line, e.g. <c>ask (chosen by rule:fast-path)</c>.</summary>
    public override string ToString() => $"{Route.Name} (chosen by {ChosenBy})";
}
