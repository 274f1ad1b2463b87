using AgentHost.Backends;
using AgentHost.Fallback;

namespace AgentHost.Hosting;

/// <summary>One backend's row in <c>backends</c> and <c>/health</c>.</summary>
internal sealed record BackendStatus(string Name, string Server, bool Enabled, string? Endpoint, string? Model, string Health, string? Reason, DateTimeOffset? CheckedAt,
    string? Circuit = null);

/// <summary>Probes every backend once and describes each as a person reads it.</summary>
internal static class BackendStatusReader
{
    public static async Task<IReadOnlyList<BackendStatus>> ReadAsync(IServiceProvider services, BackendHealthMonitor monitor, CancellationToken cancellationToken)
    {
        var health = (await monitor.ProbeAllAsync(cancellationToken)).ToDictionary(h => h.Backend, StringComparer.OrdinalIgnoreCase);
        var chain = services.GetService<FallbackChatClient>();
        return [.. services.GetServices<BackendDescriptor>().Select(d =>
        {
            var options = d.GetOptions(services);
            var h = health.GetValueOrDefault(d.Name);
            var state = !options.Enabled ? "disabled" : (h?.State ?? BackendHealthState.Unknown).ToString().ToLowerInvariant();
            return new BackendStatus(d.Name, d.DisplayName, options.Enabled, options.Endpoint, options.Model, state,
                options.Enabled ? h?.Reason : null, h?.CheckedAt, chain?.DescribeCircuit(d.Name));
        })];
    }
}
