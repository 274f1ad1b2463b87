using AgentHost.Backends;

namespace AgentHost.Fallback.Benchmarks.Backends;

/// <summary>Options of an in-memory backend: the shared <see cref="BackendOptions"/> (the endpoint is never dialled).</summary>
public sealed class InMemoryBackendOptions : BackendOptions
{
}
