using AgentHost.Backends;
using AgentHost.Connectors.Embedded;
using AgentHost.Connectors.Mlx;
using AgentHost.Connectors.Ollama;
using AgentHost.Connectors.Victoria;
using AgentHost.Fallback;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace AgentHost.Hosting;

/// <summary>Wires the three backends, the fallback chain and the conversation store from the <c>AgentHost</c> configuration section (DESIGN §5).</summary>
internal static class AgentHostServiceCollectionExtensions
{
    public const string SectionName = "AgentHost";

    public static IServiceCollection AddAgentHostChat(this IServiceCollection services, IConfiguration configuration)
    {
        var root = configuration.GetSection(SectionName);
        var backends = root.GetSection("Backends");
        services.AddSingleton(TimeProvider.System);
        services.AddAgentHostState(configuration); // the Redis replicas share, when configured
        services.AddMlxChatCompletion(backends.GetSection(BackendNames.Mlx));
        services.AddOllamaChatClient(backends.GetSection(BackendNames.Ollama));
        services.AddVictoriaChatCompletion(backends.GetSection(BackendNames.Victoria));
        services.AddEmbeddedChatClient(backends.GetSection(BackendNames.Embedded)); // last resort: appended to an order that does not name it
        UsePulledModel(services, configuration);
        services.ConfigureFallbackBackends((_, backend) => backend.UseUpdateCoalescing()); // bursts merged where they are read, below the chain
        services.AddFallbackChatCompletion(root.GetSection("Fallback"));
        services.AddFallbackEmbeddingGenerator(); // the same chain for embeddings: /v1/embeddings, /api/embed
        Routing.RoutingServiceCollectionExtensions.AddAgentHostRouting(services, configuration);

        // The kernel every prompt and agent runs on: its chat service is the chain; plugins are the KernelPlugin singletons.
        services.AddKernel();
        Prompts.PromptServiceCollectionExtensions.AddAgentHostPrompts(services, configuration);
        Agents.AgentsServiceCollectionExtensions.AddAgentHostAgents(services, configuration);

        // Stored conversations (chat --session, x-agent-conversation): nothing is opened or created until one is stored or read.
        services.AddConversationStore(configuration.GetSection(Conversations.Storage.ConversationStoreOptions.SectionName), UserFolders.DefaultConversationsDatabase);
        return services;
    }

    /// <summary>
    /// With no <c>Backends:Embedded:ModelPath</c>, the Embedded backend answers from the models folder's default model
    /// (<c>models pull</c>), unless <c>Backends:Embedded:Enabled</c> is false.
    /// </summary>
    private static void UsePulledModel(IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<EmbeddedBackendOptions>(BackendNames.Embedded, o =>
        {
            if (string.IsNullOrWhiteSpace(o.ModelPath) && o.Enabled)
            {
                var models = Models.ModelsOptions.From(configuration);
                o.ModelPath = new Models.ModelStore(models.FullPath, models.Default).DefaultModel();
            }
        });
    }
}
