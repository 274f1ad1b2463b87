using AgentHost.Backends;
using AgentHost.Fallback.Resilience;
using Microsoft.Extensions.AI;
using Polly;

namespace AgentHost.Fallback.Core;

/// <summary>One backend as the chain uses it: its source (descriptor, client, options), its resilience pipeline (breaker state lives here).</summary>
internal sealed class FallbackBackend
{
    private readonly ChainBackend _source;
    private IChatClient? _client;
    private BackendOptions? _options;
    private IDisposable? _watch;
    private int _watchStarted;
    private int _version;

    public FallbackBackend(ChainBackend source, BackendResilienceSettings resilience, ResiliencePipeline pipeline,
        ResiliencePipeline trialPipeline, BackendBreakerState breaker)
    {
        TrialPipeline = trialPipeline;
        Breaker = breaker;
        _source = source;
        Descriptor = source.Descriptor;
        Resilience = resilience;
        Pipeline = pipeline;
    }

    public string Name => Descriptor.Name;

    public BackendDescriptor Descriptor { get; }

    public BackendResilienceSettings Resilience { get; }

    public ResiliencePipeline Pipeline { get; }

    /// <summary>The pipeline of a deferred trial while the circuit is open: one request, no retry, no breaker.</summary>
    public ResiliencePipeline TrialPipeline { get; }

    /// <summary>The circuit's state as the planner reads it (an open circuit is skipped without entering <see cref="Pipeline"/>).</summary>
    public BackendBreakerState Breaker { get; }

    /// <summary>
    /// The backend's current options (enabled flag, endpoint, model, capabilities): cached while its options monitor
    /// reports no change (<see cref="ChainBackend.WatchOptions"/>), read afresh otherwise.
    /// </summary>
    public BackendOptions Options
    {
        get
        {
            if (Volatile.Read(ref _options) is { } cached)
            {
                return cached;
            }

            var version = Volatile.Read(ref _version);
            var options = _source.GetOptions();
            if (Interlocked.Exchange(ref _watchStarted, 1) == 0)
            {
                _watch = _source.WatchOptions?.Invoke(options, Invalidate);
            }

            if (_watch is not null && version == Volatile.Read(ref _version))
            {
                Interlocked.CompareExchange(ref _options, options, null);
            }

            return options;
        }
    }

    /// <summary>The backend's <see cref="IChatClient"/>, made on first use.</summary>
    public IChatClient Client => _client ??= _source.CreateClient();

    private void Invalidate()
    {
        Interlocked.Increment(ref _version);
        Volatile.Write(ref _options, null);
    }

    /// <summary>Where the backend runs, for log lines: <c>at http://…</c>, or <c>in process</c> for a backend with no endpoint.</summary>
    public string WhereForLog
    {
        get
        {
            try
            {
                return string.IsNullOrEmpty(Options.Endpoint) ? "in process" : $"at {Options.Endpoint}";
            }
            catch (Exception)
            {
                // Options that cannot be read (binding or validation failure): a log line must not fail for it.
                return "(options unavailable)";
            }
        }
    }
}
