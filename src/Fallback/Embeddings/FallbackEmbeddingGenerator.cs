using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentHost.Fallback.Core;
using AgentHost.Fallback.Embeddings;
using AgentHost.Fallback.Resilience;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace AgentHost.Fallback;

/// <summary>
/// The fallback chain for embeddings, as an MEAI <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>: each call goes to
/// the backends of <see cref="FallbackOptions.Order"/> that can embed (their keyed embedding generators), in the order
/// and with the health gates the chat uses (<see cref="AttemptPlanner"/>: disabled and "cannot embed" backends skipped,
/// down or open-circuited ones deferred), until one answers. A caller's error (400) surfaces at once. Every answer
/// carries a <see cref="FallbackReport"/> in <see cref="GeneratedEmbeddings{TEmbedding}.AdditionalProperties"/>
/// (<c>GetFallbackReport()</c>); when none answers, <see cref="FallbackExhaustedException"/> holds it.
/// </summary>
/// <remarks>
/// Each backend has an embedding breaker of its own, built from the same <see cref="FallbackOptions.Resilience"/>
/// settings as its chat breaker: a backend whose embedding model is missing (a 404) keeps its chat circuit closed. A
/// refused connection means the whole backend is down, so it is reported to the shared <see cref="BackendHealthMonitor"/>,
/// which the chat reads too, until the next probe. <see cref="EmbeddingGenerationOptions.ModelId"/>: null asks the
/// chain's order; a backend's name asks that backend (for its default embedding model); a model some backend's generator
/// serves by default asks the backends that serve it; anything else is a <see cref="FallbackRouteNotFoundException"/>.
/// Thread-safe: one instance serves concurrent calls.
/// </remarks>
public sealed partial class FallbackEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>The route name embedding calls report (and label their metrics with).</summary>
    public const string RouteName = "embeddings";

    private readonly IReadOnlyList<FallbackOrderEntry> _order;
    private readonly Dictionary<string, EmbeddingBackend> _backends = new(StringComparer.OrdinalIgnoreCase);
    private readonly RoutePlan _plan;
    private readonly BackendHealthMonitor _health;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FallbackTelemetry _telemetry;
    private readonly EmbeddingGeneratorMetadata _metadata = new(FallbackTelemetry.Name);

    /// <summary>Creates the embedding chain over <paramref name="backends"/> with their health from <paramref name="health"/> (the chat chain's monitor, so both see one state).</summary>
    /// <param name="backends">The backends (those without an embedding generator are skipped as "cannot embed").</param>
    /// <param name="options">The chain's options: order and resilience.</param>
    /// <param name="health">Each backend's health.</param>
    /// <param name="timeProvider">The clock of timeouts and breakers; null: the system's.</param>
    /// <param name="logger">Where the chain logs; null: nowhere.</param>
    /// <param name="meterFactory">Where its metrics go; null: one shared meter.</param>
    public FallbackEmbeddingGenerator(IEnumerable<ChainBackend> backends, IOptions<FallbackOptions> options, BackendHealthMonitor health,
        TimeProvider? timeProvider = null, ILogger<FallbackEmbeddingGenerator>? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(health);
        var settings = options.Value;
        _health = health;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _telemetry = FallbackTelemetry.For(meterFactory);
        IReadOnlyList<ChainBackend> sources = [.. backends.DistinctBy(b => b.Name, StringComparer.OrdinalIgnoreCase)];
        _order = FallbackOrder.Resolve(settings, sources.Select(b => b.Descriptor), out var error, FallbackOrder.EnabledIn(sources));
        if (error is not null)
        {
            throw new OptionsValidationException(nameof(FallbackOptions), typeof(FallbackOptions), [error]);
        }

        foreach (var source in sources)
        {
            var resilience = BackendResilienceSettings.Resolve(settings.Resilience, settings.Backends.GetValueOrDefault(source.Name));
            // Its own breaker (named "<backend> embeddings" in logs and metrics), local to this process.
            var breaker = new BackendResilience($"{source.Name} embeddings", resilience, _time, _logger, _telemetry);
            _backends[source.Name] = new EmbeddingBackend(source, new FallbackBackend(source, breaker));
        }

        _plan = new RoutePlan(_order, name => _backends[name].Planned);
    }

    /// <summary>
    /// <paramref name="backend"/>'s embedding circuit in a few words (<c>closed</c>, <c>open (12 s left)</c>, ...);
    /// <see langword="null"/> for a backend the chain does not have.
    /// </summary>
    public string? DescribeCircuit(string backend)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(backend);
        return _backends.TryGetValue(backend, out var b) ? b.Planned.Breaker.Describe() : null;
    }

    /// <inheritdoc />
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        IReadOnlyList<string> inputs = values as IReadOnlyList<string> ?? [.. values];
        using var activity = FallbackTelemetry.ActivitySource.StartActivity("fallback.embeddings");
        var selection = Select(options?.ModelId);
        var callOptions = options?.Clone() ?? new EmbeddingGenerationOptions();
        callOptions.ModelId = selection.ModelId;
        var planner = new AttemptPlanner(selection.Plan, _health, [], null, b => _backends[b.Name].CannotEmbed());
        List<FallbackAttempt>? attempts = null;
        Exception? last = null;
        while (planner.Next(ref attempts) is { } planned)
        {
            var backend = _backends[planned.Backend.Name];
            var tries = new EmbeddingAttempt.Counter();
            var started = _time.GetTimestamp();
            try
            {
                var result = await EmbeddingAttempt.RunAsync(backend, planned.IsBreakerTrial, inputs, callOptions, tries, cancellationToken).ConfigureAwait(false);
                var duration = _time.GetElapsedTime(started);
                var model = result.FirstOrDefault()?.ModelId ?? selection.ModelId ?? backend.DefaultModel;
                (attempts ??= []).Add(new FallbackAttempt
                {
                    Backend = backend.Name,
                    Outcome = FallbackAttemptOutcome.Succeeded,
                    Duration = duration,
                    Tries = tries.Value,
                    Model = model,
                });
                _logger.Embedded(backend.Name, inputs.Count, FallbackErrorClassifier.Format(duration));
                activity?.SetTag("agenthost.backend", backend.Name);
                var report = Report(attempts, selection, backend.Name, model);
                (result.AdditionalProperties ??= [])[FallbackReport.MetadataKey] = report;
                return result;
            }
            catch (BrokenCircuitException) when (!planned.IsBreakerTrial)
            {
                // Another call opened the embedding circuit since the planner looked: put it last, as the chat does.
                planner.Defer(planned.Backend, "circuit open", ref attempts);
            }
            catch (Exception e) when (Classify(e, cancellationToken) is FallbackErrorClass.Transient or FallbackErrorClass.ContextLength or FallbackErrorClass.CallerError)
            {
                var failure = new FallbackAttempt
                {
                    Backend = backend.Name,
                    Outcome = FallbackAttemptOutcome.Failed,
                    Duration = _time.GetElapsedTime(started),
                    Tries = tries.Value,
                    Error = FallbackErrorClassifier.Describe(e),
                    Model = selection.ModelId ?? backend.DefaultModel,
                };
                (attempts ??= []).Add(failure);
                _logger.EmbeddingFailed(backend.Name, failure.Error);
                if (Classify(e, cancellationToken) == FallbackErrorClass.CallerError)
                {
                    // The request itself is wrong: no other backend would take it either.
                    e.Data[FallbackReport.MetadataKey] = Report(attempts, selection);
                    throw;
                }

                if (FallbackErrorClassifier.IsConnectionRefused(e))
                {
                    _health.Report(backend.Name, BackendHealthState.Down, "connection refused");
                }

                last = e;
            }
        }

        _telemetry.NoBackendAnswered(RouteName);
        var exhausted = new FallbackExhaustedException(Report(attempts ?? [], selection), last);
        activity?.SetStatus(ActivityStatusCode.Error, exhausted.Message);
        throw exhausted;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : serviceType == typeof(BackendHealthMonitor) ? _health
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The backends' generators belong to the container (or the code) that made them.
    }

    private static FallbackErrorClass Classify(Exception e, CancellationToken cancellationToken) => FallbackErrorClassifier.Classify(e, cancellationToken);

    private FallbackReport Report(List<FallbackAttempt> attempts, Selection selection, string? backend = null, string? model = null)
    {
        foreach (var attempt in attempts)
        {
            _telemetry.Attempt(attempt, streaming: false, RouteName, "embeddings");
        }

        return new FallbackReport { Backend = backend, Model = model, Attempts = attempts, Route = RouteName, ChosenBy = selection.ChosenBy };
    }
}
