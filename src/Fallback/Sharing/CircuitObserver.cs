using AgentHost.Fallback.Core;

namespace AgentHost.Fallback;

/// <summary>Mirrors what other replicas publish about the chain's circuits into each backend's breaker.</summary>
internal sealed class CircuitObserver(IReadOnlyDictionary<string, FallbackBackend> backends) : IBackendStateObserver
{
    public void OnCircuitShared(SharedCircuitState state)
    {
        if (backends.TryGetValue(state.Backend, out var backend))
        {
            backend.Breaker.Shared?.Apply(state);
        }
    }
}
