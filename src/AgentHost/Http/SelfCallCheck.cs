using System.Net;
using AgentHost.Backends;
using Microsoft.Extensions.Options;

namespace AgentHost.Http;

/// <summary>
/// The chain must never call itself: a backend whose endpoint is one of the addresses <c>serve</c> listens on (say the
/// Ollama backend at <c>http://localhost:11434</c> with <c>--ollama-port 11434</c>) would send every request around in
/// a loop. Checked once, at start, against the configured addresses (a port 0 is chosen by the system and cannot be one).
/// </summary>
internal static class SelfCallCheck
{
    /// <summary>Throws <see cref="OptionsValidationException"/> (one line at start) naming the first backend that is this host.</summary>
    public static void ThrowIfAnyBackendIsThisHost(IServiceProvider services, HttpServiceOptions options)
    {
        foreach (var descriptor in services.GetServices<BackendDescriptor>().DistinctBy(d => d.Name, StringComparer.OrdinalIgnoreCase))
        {
            var backend = descriptor.GetOptions(services);
            if (!backend.Enabled || !backend.EndpointUri.IsAbsoluteUri)
            {
                continue;
            }

            var endpoint = backend.EndpointUri;
            if (options.ListenUrls.FirstOrDefault(url => IsSameAddress(endpoint, url)) is { } own)
            {
                throw new OptionsValidationException(descriptor.Name, backend.GetType(),
                    [$"Endpoint {backend.Endpoint} is this host's own address ({own}, where serve listens): the chain would call itself. " +
                     $"Point it at the real server, or turn it off with --AgentHost:Backends:{descriptor.Name}:Enabled=false."]);
            }
        }
    }

    /// <summary>Whether a request to <paramref name="endpoint"/> would reach a listener on <paramref name="listenUrl"/>.</summary>
    public static bool IsSameAddress(Uri endpoint, string listenUrl)
    {
        if (!Uri.TryCreate(listenUrl.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal),
                UriKind.Absolute, out var listen) || listen.Port is 0 || listen.Port != endpoint.Port)
        {
            return false;
        }

        var host = endpoint.Host.Trim('[', ']');
        var listenHost = listen.Host.Trim('[', ']');
        if (string.Equals(host, listenHost, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var endpointIsLocal = HttpServiceOptions.IsLoopbackName(host) || string.Equals(host, Dns.GetHostName(), StringComparison.OrdinalIgnoreCase);
        var listensEverywhere = IPAddress.TryParse(listenHost, out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any));
        return endpointIsLocal && (listensEverywhere || HttpServiceOptions.IsLoopbackName(listenHost));
    }
}
