using AgentHost.Backends;
using Microsoft.Extensions.AI;

namespace AgentHost.Hosting;

/// <summary>
/// Puts update coalescing (<see cref="CoalescingChatClientBuilderExtensions.UseUpdateCoalescing"/>) directly above every
/// backend's keyed <see cref="IChatClient"/>, below the chain (issue 13 item 6). There the producer is only the
/// connector's read and parse: what the backend already sent (e.g. the MLX server's whole answer, one character a
/// line) is merged while the connector yields it without waiting, so serve's SSE, the chat page and <c>chat</c> get
/// a burst as a few updates; a paced stream (each update waits for the network or the model) keeps its pacing.
/// </summary>
internal static class BackendStreamCoalescing
{
    /// <summary>Wraps the keyed chat client of each backend registered so far.</summary>
    public static IServiceCollection CoalesceBackendStreams(this IServiceCollection services)
    {
        var backends = services.Where(d => d.ServiceType == typeof(BackendDescriptor) && d.ImplementationInstance is BackendDescriptor)
            .Select(d => ((BackendDescriptor)d.ImplementationInstance!).Name).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < services.Count; i++)
        {
            var d = services[i];
            if (d.ServiceType != typeof(IChatClient) || !d.IsKeyedService || d.ServiceKey is not string name || !backends.Contains(name)
                || d.KeyedImplementationFactory is not { } factory)
            {
                continue;
            }

            services[i] = new ServiceDescriptor(typeof(IChatClient), name,
                (sp, key) => ((IChatClient)factory(sp, key)).AsBuilder().UseUpdateCoalescing().Build(sp), d.Lifetime);
        }

        return services;
    }
}
