using AgentHost.Backends;
using AgentHost.Fallback.Resilience;
using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Core;

/// <summary>
/// One backend as the chain uses it: its source (descriptor, client, options) and its resilience, the client under it
/// made once as <c>source.CreateClient().AsBuilder().UseBackendResilience(resilience).Build()</c>.
/// </summary>
internal sealed class FallbackBackend
{
    private readonly ChainBackend _source;
    private BackendResilienceChatClient? _client;

    public FallbackBackend(ChainBackend source, BackendResilience resilience)
    {
        _source = source;
        Descriptor = source.Descriptor;
        Resilience = resilience;
    }

    public string Name => Descriptor.Name;

    public BackendDescriptor Descriptor { get; }

    /// <summary>The backend's retry, breaker and timeouts, shared by every call to it.</summary>
    public BackendResilience Resilience { get; }

    /// <summary>The circuit's state as the planner reads it (an open circuit is deferred without a request).</summary>
    public BackendBreakerState Breaker => Resilience.Breaker;

    /// <summary>The backend's current options (enabled flag, endpoint, model, capabilities): <see cref="ChainBackend.CurrentOptions"/>.</summary>
    public BackendOptions Options => _source.CurrentOptions;

    /// <summary>The backend's <see cref="IChatClient"/> under its resilience, made on first use.</summary>
    public BackendResilienceChatClient Client =>
        _client ??= (BackendResilienceChatClient)_source.CreateClient().AsBuilder().UseBackendResilience(Resilience).Build();

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
