namespace AgentHost.Fallback;

/// <summary>
/// Named routes and the rules that choose one per request. Routes are bound from <c>AgentHost:Routes</c> (one entry per
/// name); rules and semantic routing from <c>AgentHost:Routing</c>. The route named <c>default</c> is always there: its
/// order is <see cref="FallbackOptions.Order"/>.
/// </summary>
public sealed class FallbackRoutingOptions
{
    /// <summary>The configuration section the host binds <see cref="Routes"/> from.</summary>
    public const string RoutesSectionName = "AgentHost:Routes";

    /// <summary>The configuration section the host binds <see cref="Rules"/> and <see cref="Semantic"/> from.</summary>
    public const string SectionName = "AgentHost:Routing";

    /// <summary>The routes by name (case-insensitive), besides <c>default</c>.</summary>
    public Dictionary<string, FallbackRouteOptions> Routes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The rules, in order. The first matching rule that names a route chooses the route; the first matching rule that
    /// names models chooses the models. An explicit choice from the caller turns the rules off for that request.
    /// </summary>
    public IList<FallbackRuleOptions> Rules { get; set; } = [];

    /// <summary>Routing by similarity to example utterances (off by default).</summary>
    public FallbackSemanticRoutingOptions Semantic { get; set; } = new();
}

/// <summary>One named route: an order of backends and, optionally, the model each backend is asked for.</summary>
public sealed class FallbackRouteOptions
{
    /// <summary>The backends to try, in the <see cref="FallbackOptions.Order"/> syntax (<c>Victoria?</c> = only when healthy).
    /// Must be empty for <c>default</c>, whose order is <see cref="FallbackOptions.Order"/>.</summary>
    public IList<string> Order { get; set; } = [];

    /// <summary>The model to ask each backend for, by backend name; a backend not named answers with its configured model.</summary>
    public Dictionary<string, string> Models { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>What the route is for, for people (listed with the routes).</summary>
    public string? Description { get; set; }

    /// <summary>
    /// Instructions a backend is given on this route, by backend name: a system message put before the conversation sent
    /// to that backend only (e.g. a plan-only prompt for the local models while Victoria gets its own plan operation).
    /// </summary>
    public Dictionary<string, string> Instructions { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Extra chat options a backend is sent on this route, by backend name (its <c>AdditionalProperties</c>, e.g.
    /// <c>victoria_operation: plan</c>); keys the backend does not know are ignored by it.
    /// </summary>
    public Dictionary<string, Dictionary<string, string>> Settings { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the caller's tools are offered to the backends on this route; <see langword="false"/>: never (the request's tools are dropped).</summary>
    public bool Tools { get; set; } = true;

    /// <summary>How long an answer on this route is kept and served again for the same request; unset: no cache.</summary>
    public TimeSpan? CacheTtl { get; set; }

    /// <summary>Answers made faster than this are not cached (cheap to make again); zero: every answer is cached.</summary>
    public TimeSpan CacheMinGenerationTime { get; set; }
}

/// <summary>
/// One routing rule: conditions on the request (all that are set must hold) and an outcome (a route, models, or both).
/// Conditions look at the last user message.
/// </summary>
public sealed class FallbackRuleOptions
{
    /// <summary>The rule's name, used in reports (<c>rule:&lt;name&gt;</c>) and logs. Defaults to <c>rule&lt;index&gt;</c>.</summary>
    public string? Name { get; set; }

    /// <summary>Whether the rule is applied. A shipped rule that is off is one switch away.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The message must contain at least one of these (case-insensitive substrings; stems such as <c>программ</c> work).</summary>
    public IList<string> Keywords { get; set; } = [];

    /// <summary>The message must contain none of these (case-insensitive substrings).</summary>
    public IList<string> ExcludeKeywords { get; set; } = [];

    /// <summary>A regular expression the message must match (case-insensitive).</summary>
    public string? Pattern { get; set; }

    /// <summary>A regular expression the message must not match (case-insensitive).</summary>
    public string? ExcludePattern { get; set; }

    /// <summary>The fewest characters the message may have.</summary>
    public int? MinLength { get; set; }

    /// <summary>The most characters the message may have.</summary>
    public int? MaxLength { get; set; }

    /// <summary><see langword="true"/>: only requests that offer tools; <see langword="false"/>: only requests without tools.</summary>
    public bool? Tools { get; set; }

    /// <summary>The route to use when the rule matches.</summary>
    public string? Route { get; set; }

    /// <summary>The model to ask each backend for when the rule matches (over the route's own models), by backend name.</summary>
    public Dictionary<string, string> Models { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// Semantic routing: the last user message is embedded and compared with example utterances per route (MEAI's
/// <c>SemanticRoutingChatClient</c>); the most similar route above <see cref="Threshold"/> is used when no rule chose a
/// route. Needs an embedding generator registered under <see cref="FallbackRouter.EmbeddingGeneratorKey"/>; without
/// one, or when embedding fails, requests are routed by the rules alone.
/// </summary>
public sealed class FallbackSemanticRoutingOptions
{
    /// <summary>Whether semantic routing is on. Off by default.</summary>
    public bool Enabled { get; set; }

    /// <summary>The lowest cosine similarity (-1..1) to the best example for its route to be chosen.</summary>
    public double Threshold { get; set; } = 0.5;

    /// <summary>The longest one embedding request may take before the request is routed without it.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>After a failed embedding request, how long semantic routing is not tried again.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Example utterances by route name.</summary>
    public Dictionary<string, List<string>> Examples { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
