using AgentHost.Backends;
using AgentHost.Connectors.Ollama;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Ollama backend's embeddings: OllamaSharp's <c>OllamaApiClient</c> (<c>POST /api/embed</c>) asking for <see cref="OllamaBackendOptions.EmbeddingModel"/>.</summary>
internal static class OllamaEmbeddingServiceCollectionExtensions
{
    /// <summary>
    /// Adds, keyed by <paramref name="name"/>, an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over the backend's
    /// HTTP client (so its failures are the same typed <see cref="BackendHttpOperationException"/>s as the chat's).
    /// </summary>
    public static IServiceCollection AddOllamaEmbeddingGenerator(this IServiceCollection services, string name) =>
        services.AddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(name, (sp, _) =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<OllamaBackendOptions>>().Get(name);
            var client = OllamaClients.Create(sp.GetRequiredService<IHttpClientFactory>(), name, options);
            client.SelectedModel = options.EmbeddingModel;
            return client;
        });
}
