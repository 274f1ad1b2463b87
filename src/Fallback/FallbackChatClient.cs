using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using AgentHost.Fallback.Core;
using AgentHost.Fallback.Resilience;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentHost.Fallback;

/// <summary>
/// The fallback chain as an <see cref="IChatClient"/>: each model call goes to the backends of
/// <see cref="FallbackOptions.Order"/> in turn (their keyed <see cref="IChatClient"/>s), skipping those that are down,
/// open-circuited or unable to serve the request, until one answers. Streaming commits on the first content: before it
/// a failure fails over silently, after it a <see cref="FallbackStreamInterruptedException"/> says what was streamed.
/// Every answer carries a <see cref="FallbackReport"/>. Put function invocation above this client, never below.
/// </summary>
public sealed partial class FallbackChatClient : IChatClient
{
    /// <summary>
    /// The name of the chain's <see cref="System.Diagnostics.ActivitySource"/> and <see cref="Meter"/> (<c>AgentHost.Fallback</c>):
    /// give it to OpenTelemetry's <c>AddSource</c> and <c>AddMeter</c>.
    /// </summary>
    public const string TelemetryName = FallbackTelemetry.Name;

    private readonly IReadOnlyList<FallbackOrderEntry> _order;
    private readonly Dictionary<string, FallbackBackend> _backends = new(StringComparer.OrdinalIgnoreCase);
    private readonly BackendHealthMonitor _health;
    private readonly FallbackOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FallbackTelemetry _telemetry;
    private readonly ChatClientMetadata _metadata = new(FallbackTelemetry.Name);
    private readonly FallbackRouter _router;
    private readonly ConditionalWeakTable<IReadOnlyList<FallbackOrderEntry>, RoutePlan> _plans = [];
    private readonly ConditionalWeakTable<IReadOnlyList<FallbackOrderEntry>, RoutePlan>.CreateValueCallback _newPlan;
    private readonly IDisposable? _sharing;

    /// <summary>
    /// Creates the chain over <paramref name="backends"/>, in the order of <see cref="FallbackOptions.Order"/>, with
    /// their health from <paramref name="health"/> and each call's route from <paramref name="router"/> (build the three
    /// over the same backends; <see cref="FallbackChainBuilder"/> does, and so do the DI registrations).
    /// </summary>
    /// <param name="backends">The backends.</param>
    /// <param name="options">The chain's options.</param>
    /// <param name="health">Each backend's health.</param>
    /// <param name="router">Each call's route and models.</param>
    /// <param name="timeProvider">The clock of timeouts and breakers; null: the system's.</param>
    /// <param name="logger">Where the chain logs; null: nowhere.</param>
    /// <param name="meterFactory">Where its metrics go; null: one shared meter.</param>
    /// <param name="sharing">Where the backends' circuits are shared with other replicas; null (or <see cref="NullBackendStateSharing"/>): they are this process's own.</param>
    public FallbackChatClient(IEnumerable<ChainBackend> backends, IOptions<FallbackOptions> options, BackendHealthMonitor health, FallbackRouter router,
        TimeProvider? timeProvider = null, ILogger<FallbackChatClient>? logger = null, IMeterFactory? meterFactory = null, IBackendStateSharing? sharing = null)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(router);
        _options = options.Value;
        _health = health;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _telemetry = FallbackTelemetry.For(meterFactory);
        IReadOnlyList<ChainBackend> sources = [.. backends.DistinctBy(b => b.Name, StringComparer.OrdinalIgnoreCase)];
        sharing = NullBackendStateSharing.OrNull(sharing);
        var descriptors = sources.Select(b => b.Descriptor).ToList();
        _order = FallbackOrder.Resolve(_options, descriptors, out var error, FallbackOrder.EnabledIn(sources));
        if (error is not null)
        {
            throw new OptionsValidationException(nameof(FallbackOptions), typeof(FallbackOptions), [error]);
        }

        _router = router;

        // Routes may use any registered backend, so every one gets its resilience (breaker state lives there).
        foreach (var source in sources)
        {
            var settings = BackendResilienceSettings.Resolve(_options.Resilience, _options.Backends.GetValueOrDefault(source.Name));
            _backends[source.Name] = new FallbackBackend(source, new BackendResilience(source.Name, settings, _time, _logger, _telemetry, sharing));
        }

        if (NullBackendStateSharing.OrNull(sharing) is { } shared)
        {
            _sharing = shared.Subscribe(new CircuitObserver(_backends), [.. _backends.Keys]);
        }

        _newPlan = entries => new RoutePlan(entries, name => _backends[name]);
    }

    /// <summary>The order in force, as configured (e.g. <c>Victoria?</c>, <c>Mlx</c>, ...), with registered spellings.</summary>
    public IReadOnlyList<string> Order => [.. _order.Select(e => e.ToString())];

    /// <summary>The router that chooses each call's route and models (routes, rules, semantic routing).</summary>
    public FallbackRouter Router => _router;

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using var activity = FallbackTelemetry.ActivitySource.StartActivity("fallback.chat");
        var call = await NewCallAsync(messages, options, streaming: false, cancellationToken).ConfigureAwait(false);
        await using var winner = _options.Hedging.Enabled
            ? await AcquireRacingAsync(call, streaming: false, cancellationToken).ConfigureAwait(false)
            : await AcquireInOrderAsync(call, cancellationToken).ConfigureAwait(false);
        if (!winner.Run.IsCompleted)
        {
            await winner.Run.ConfigureAwait(false);
        }

        var response = winner.Response!;
        var report = Succeed(call, winner, response.ModelId, activity);
        Stamp(response.AdditionalProperties ??= [], report);
        var answer = response.Messages;
        for (var i = 0; i < answer.Count; i++)
        {
            Stamp(answer[i].AdditionalProperties ??= [], report);
        }

        return response;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : serviceType == typeof(BackendHealthMonitor) ? _health
            : serviceType == typeof(FallbackRouter) ? _router
            : null;
    }

    /// <summary>
    /// <paramref name="backend"/>'s circuit in a few words: <c>closed</c>, <c>open (12 s left)</c>, <c>open (opened by another
    /// replica, 12 s left)</c>, <c>half-open (trial in flight)</c>; <see langword="null"/> for a backend the chain does not have.
    /// </summary>
    public string? DescribeCircuit(string backend)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(backend);
        return _backends.TryGetValue(backend, out var b) ? b.Breaker.Describe() : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The backends' clients belong to the container that registered them; the sharing too (only what this chain hears stops).
        _sharing?.Dispose();
        _health.StopSharing();
    }

    private async ValueTask<FallbackCall> NewCallAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming, CancellationToken cancellationToken)
    {
        IReadOnlyList<ChatMessage> list = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var route = await _router.DecideAsync(list, options, cancellationToken).ConfigureAwait(false);
        var plan = _plans.GetValue(route.Route.Entries, _newPlan);
        options = RouteShaping.ForCall(route.Route, options);
        return new FallbackCall(list, options, new AttemptPlanner(plan, _health, list, options), route, _telemetry, streaming);
    }

    private FallbackExhaustedException Exhausted(FallbackCall call)
    {
        _telemetry.NoBackendAnswered(call.Route.Route.Name);
        var report = call.Report();
        var exception = new FallbackExhaustedException(report, call.LastError);
        Activity.Current?.SetStatus(ActivityStatusCode.Error, exception.Message);
        return exception;
    }

    private FallbackReport Succeed(FallbackCall call, BackendAttempt winner, string? modelId, Activity? activity)
    {
        var record = winner.ToRecord(FallbackAttemptOutcome.Succeeded);
        call.Add(record);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.Answered(winner.Name, winner.Backend.Descriptor.DisplayName, winner.Backend.WhereForLog, FallbackErrorClassifier.Format(record.Duration), record.TimeToFirstToken is { } t ? FallbackErrorClassifier.Format(t) : "-");
        }

        activity?.SetTag("agenthost.backend", winner.Name);
        activity?.SetTag("agenthost.attempts", call.Attempts.Count);
        activity?.SetTag("agenthost.route", call.Route.Route.Name);
        return call.Report(winner.Name, ModelOf(winner, modelId));
    }

    private static string? ModelOf(BackendAttempt attempt, string? reported)
    {
        if (!string.IsNullOrWhiteSpace(reported))
        {
            return reported;
        }

        try
        {
            return attempt.Backend.Options.Model;
        }
        catch (Exception)
        {
            // Options that cannot be read: the report names no configured model (the attempt says why it failed).
            return null;
        }
    }

    private static void Stamp(AdditionalPropertiesDictionary properties, FallbackReport report) => properties[FallbackReport.MetadataKey] = report;
}

