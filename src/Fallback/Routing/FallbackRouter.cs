using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using AgentHost.Backends;
using AgentHost.Fallback.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentHost.Fallback;

/// <summary>
/// Chooses, per request, the route (an order of backends) and the model each backend is asked for. In order of
/// precedence: the caller's explicit choice (<see cref="RouteKey"/> in <see cref="ChatOptions.AdditionalProperties"/>:
/// a route or a served model, strict; or <see cref="ChatOptions.ModelId"/> naming a route, lenient), then the rules
/// (<see cref="FallbackRoutingOptions.Rules"/>), then semantic routing for the route, then the <c>default</c> route.
/// A route the caller names picks the order only: the model rules still choose the models; only a model the caller
/// names overrides them.
/// Without routes, rules or semantic routing a decision costs nothing (no allocation).
/// </summary>
public sealed partial class FallbackRouter : IDisposable
{
    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key naming the caller's route or model (a string). Unknown names fail the call.</summary>
    public const string RouteKey = "agenthost.route";

    /// <summary>
    /// The <see cref="ChatOptions.AdditionalProperties"/> key naming the caller's model (a string; <c>--model</c>): only the
    /// backends (of the route named by <see cref="RouteKey"/>, if any) that serve it are tried, each asked for it. Strict.
    /// </summary>
    public const string ModelKey = "agenthost.model";

    /// <summary>
    /// The key of a <see cref="FallbackRouteDecision"/> already made for this call (<see cref="FallbackChatOptionsExtensions.WithFallbackDecision"/>)
    /// in <see cref="ChatOptions.AdditionalProperties"/>: the router hands it back as it is, deciding nothing again.
    /// </summary>
    public const string DecisionKey = "agenthost.decision";

    /// <summary>The name of the route whose order is <see cref="FallbackOptions.Order"/>.</summary>
    public const string DefaultRouteName = "default";

    /// <summary>The service key of the <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c> semantic routing uses.</summary>
    public const string EmbeddingGeneratorKey = "agenthost.routing";

    private const int BySemantic = -2;
    private const int ByCallerRoute = -3;
    private readonly IReadOnlyList<ChainBackend> _backends;
    private readonly IReadOnlyList<BackendDescriptor> _descriptors;
    private readonly RouteTable _table;
    private readonly FallbackRouteDecision[] _callerDecisions;
    private readonly FallbackRouteDecision _default;
    private readonly ConcurrentDictionary<(int Route, int RouteBy, int ModelRule), FallbackRouteDecision> _decisions = new();
    private readonly SemanticRouteSelector? _semantic;
    private readonly BackendModelDirectory _directory;
    private readonly ConfiguredModelCache _configuredModels;
    private readonly ILogger _logger;
    private readonly bool _configured;

    /// <summary>
    /// Creates the router over <paramref name="backends"/>; throws <see cref="OptionsValidationException"/> on a bad
    /// configuration. Semantic routing, when configured, embeds with <paramref name="embeddings"/>.
    /// </summary>
    public FallbackRouter(IEnumerable<ChainBackend> backends, IOptions<FallbackOptions> fallback, IOptions<FallbackRoutingOptions> routing,
        IEmbeddingGenerator<string, Embedding<float>>? embeddings = null, TimeProvider? timeProvider = null, ILogger<FallbackRouter>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(fallback);
        ArgumentNullException.ThrowIfNull(routing);
        _backends = [.. backends.DistinctBy(b => b.Name, StringComparer.OrdinalIgnoreCase)];
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _descriptors = [.. _backends.Select(b => b.Descriptor)];
        var errors = new List<string>();
        var options = routing.Value;
        _table = RouteTable.Build(fallback.Value, options, _descriptors, errors, FallbackOrder.EnabledIn(_backends));
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(FallbackRoutingOptions), typeof(FallbackRoutingOptions), errors);
        }

        _configuredModels = new ConfiguredModelCache(_backends, NamedModels);
        _default = new FallbackRouteDecision(_table.Routes[0], FallbackRouteDecision.ByDefault);
        _callerDecisions = [.. _table.Routes.Select(r => new FallbackRouteDecision(r, FallbackRouteDecision.ByCaller))];
        var time = timeProvider ?? TimeProvider.System;
        _directory = new BackendModelDirectory(_backends, time, _logger) { TimeToLive = fallback.Value.Models.CatalogTimeToLive };
        if (options.Semantic.Enabled && _table.SemanticExamples.Count > 0)
        {
            if (embeddings is { } generator)
            {
                _semantic = new SemanticRouteSelector(generator, _table.SemanticExamples, options.Semantic, time, _logger);
            }
            else
            {
                _logger.SemanticUnavailable();
            }
        }

        _configured = _table.Routes.Count > 1 || _table.Rules.Count > 0 || _semantic is not null || _table.Routes[0].Models.Count > 0;
    }

    /// <summary>The models the backends report, shared with the chain's model availability.</summary>
    internal BackendModelDirectory Directory => _directory;

    /// <summary>Every route, <c>default</c> first.</summary>
    public IReadOnlyList<FallbackRoute> Routes => _table.Routes;

    /// <summary>The route whose order is <see cref="FallbackOptions.Order"/>.</summary>
    public FallbackRoute DefaultRoute => _table.Routes[0];

    /// <summary>Whether semantic routing is active (enabled, with examples and an embedding generator).</summary>
    public bool IsSemanticRoutingActive => _semantic is not null;

    /// <summary>Finds a route by name (case-insensitive).</summary>
    public bool TryGetRoute(string name, [NotNullWhen(true)] out FallbackRoute? route)
    {
        ArgumentNullException.ThrowIfNull(name);
        var index = _table.IndexOf(name.Trim());
        route = index < 0 ? null : _table.Routes[index];
        return route is not null;
    }

    /// <summary>
    /// Decides the route and models for one request (what the chain does before its first attempt), and logs the
    /// decision in one line. Throws <see cref="FallbackRouteNotFoundException"/> when <see cref="RouteKey"/> names
    /// nothing that exists; a <see cref="ChatOptions.ModelId"/> that names no route is ignored (SK prompts name models
    /// written for other providers).
    /// </summary>
    public ValueTask<FallbackRouteDecision> DecideAsync(IReadOnlyList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (options?.AdditionalProperties is { Count: > 0 } properties)
        {
            if (properties.TryGetValue(DecisionKey, out var made) && made is FallbackRouteDecision decided)
            {
                return new(decided); // made once, above the chain (logged there)
            }

            var route = properties.TryGetValue(RouteKey, out var r) ? r as string : null;
            var model = properties.TryGetValue(ModelKey, out var m) ? m as string : null;
            if (!string.IsNullOrWhiteSpace(model))
            {
                return LoggedAsync(ResolveAsync(route, model, cancellationToken));
            }

            if (!string.IsNullOrWhiteSpace(route))
            {
                // A route picks the order, not the model: the model rules still apply. A name that is no route may be a model.
                return _table.IndexOf(route.Trim()) is var named and >= 0
                    ? new(Log(CallerRoute(named, messages, options)))
                    : LoggedAsync(ResolveAsync(route, cancellationToken));
            }
        }

        if (options?.ModelId is { Length: > 0 } modelId && _table.IndexOf(modelId) is var routeIndex and >= 0)
        {
            return new(Log(CallerRoute(routeIndex, messages, options)));
        }

        if (_table.Rules.Count == 0 && _semantic is null)
        {
            return new(Log(_default));
        }

        var text = LastUserText(messages);
        var hasTools = options?.Tools is { Count: > 0 };
        int routeRule = -1, modelRule = -1;
        var rules = _table.Rules;
        for (var i = 0; i < rules.Count && (routeRule < 0 || modelRule < 0); i++)
        {
            var rule = rules[i];
            var decidesRoute = routeRule < 0 && rule.RouteIndex >= 0;
            var decidesModels = modelRule < 0 && rule.Models is not null;
            if ((decidesRoute || decidesModels) && rule.Matches(text, hasTools))
            {
                routeRule = decidesRoute ? i : routeRule;
                modelRule = decidesModels ? i : modelRule;
            }
        }

        if (routeRule >= 0 || _semantic is null)
        {
            return new(Log(Decision(routeRule >= 0 ? rules[routeRule].RouteIndex : 0, routeRule, modelRule)));
        }

        return SemanticAsync(text, modelRule, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _semantic?.Dispose();
    }

    /// <summary>The route the caller named, with the models of the first model rule that matches (only a model named by the caller overrides them).</summary>
    private FallbackRouteDecision CallerRoute(int route, IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        var rules = _table.Rules;
        if (rules.Count == 0)
        {
            return _callerDecisions[route];
        }

        var text = LastUserText(messages);
        var hasTools = options?.Tools is { Count: > 0 };
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i].Models is not null && rules[i].Matches(text, hasTools))
            {
                return _decisions.GetOrAdd((route, ByCallerRoute, i), static (key, self) => self.Build(key), this);
            }
        }

        return _callerDecisions[route];
    }

    private async ValueTask<FallbackRouteDecision> SemanticAsync(string text, int modelRule, CancellationToken cancellationToken)
    {
        var route = await _semantic!.SelectAsync(text, cancellationToken).ConfigureAwait(false);
        var index = route is null ? -1 : _table.IndexOf(route);
        return Log(Decision(index < 0 ? 0 : index, index < 0 ? -1 : BySemantic, modelRule));
    }

    private async ValueTask<FallbackRouteDecision> LoggedAsync(ValueTask<FallbackRouteDecision> decision) => Log(await decision.ConfigureAwait(false));

    private FallbackRouteDecision Decision(int route, int routeBy, int modelRule) =>
        routeBy == -1 && modelRule == -1 && route == 0 ? _default
            : _decisions.GetOrAdd((route, routeBy, modelRule), static (key, self) => self.Build(key), this);

    private FallbackRouteDecision Build((int Route, int RouteBy, int ModelRule) key)
    {
        var rules = _table.Rules;
        var routeBy = key.RouteBy switch
        {
            >= 0 => rules[key.RouteBy].ChosenBy,
            BySemantic => FallbackRouteDecision.BySemantic,
            ByCallerRoute => FallbackRouteDecision.ByCaller,
            _ => null,
        };
        var modelBy = key.ModelRule >= 0 && key.ModelRule != key.RouteBy ? rules[key.ModelRule].ChosenBy : null;
        var chosenBy = routeBy is not null && modelBy is not null ? $"{routeBy}+{modelBy}" : routeBy ?? modelBy ?? FallbackRouteDecision.ByDefault;
        return new FallbackRouteDecision(_table.Routes[key.Route], chosenBy, key.ModelRule >= 0 ? rules[key.ModelRule].Models : null);
    }

    private FallbackRouteDecision Log(FallbackRouteDecision decision)
    {
        // The default route where nothing is configured, and the caller's own choice, are no news: Debug. Rules and
        // semantic routing choosing are (Information).
        var plain = (ReferenceEquals(decision, _default) && !_configured) || decision.ChosenBy == FallbackRouteDecision.ByCaller;
        if (_logger.IsEnabled(plain ? LogLevel.Debug : LogLevel.Information))
        {
            var order = string.Join(", ", decision.Route.Order);
            var models = decision.Models.Count == 0 ? "" : $" ({string.Join(", ", decision.Models.Select(m => $"{m.Key}: {m.Value}"))})";
            if (plain)
            {
                _logger.DefaultRouteChosen(decision.Route.Name, decision.ChosenBy, order, models);
            }
            else
            {
                _logger.RouteChosen(decision.Route.Name, decision.ChosenBy, order, models);
            }
        }

        return decision;
    }

    private static string LastUserText(IReadOnlyList<ChatMessage> messages)
    {
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i].Role == ChatRole.User)
            {
                return messages[i].Text ?? string.Empty;
            }
        }

        return string.Empty;
    }
}
