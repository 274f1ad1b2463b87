using AgentHost.Backends;
using OllamaSharp;

namespace AgentHost.Connectors.Ollama;

/// <summary>Builds OllamaSharp clients over the backend's <see cref="IHttpClientFactory"/> client.</summary>
internal static class OllamaClients
{
    public static OllamaApiClient Create(IHttpClientFactory httpClientFactory, string backend, OllamaBackendOptions options)
    {
        var http = httpClientFactory.CreateClient(BackendServiceCollectionExtensions.HttpClientName(backend));

        // A disabled backend's client has no base address; OllamaSharp insists on one.
        http.BaseAddress ??= Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var uri) ? uri : new Uri(OllamaBackendOptions.DefaultEndpoint);
        return new OllamaApiClient(http, options.Model ?? string.Empty);
    }
}
