using AgentHost.Plugins;
using Microsoft.SemanticKernel;

namespace AgentHost.Agents;

/// <summary>Registers the agents defined in files and the built-in plugins they use.</summary>
internal static class AgentsServiceCollectionExtensions
{
    /// <summary>The configuration key of the agents folder (relative to the content root).</summary>
    public const string AgentsPathKey = "AgentHost:AgentsPath";

    /// <summary>The agents folder when none is configured: the repository's <c>agents/</c> when run from source.</summary>
    public const string DefaultAgentsPath = "../../agents";

    /// <summary>
    /// Adds the built-in plugins (<see cref="PluginsServiceCollectionExtensions.AddAgentHostPlugins"/>), the
    /// <see cref="AgentCatalog"/> of the folder <c>AgentHost:AgentsPath</c> (its plugin names are checked against every
    /// <see cref="KernelPlugin"/> in the container) and the <see cref="AgentRunner"/> (an agent's <c>prompt:</c> is rendered by the
    /// <see cref="Prompts.PromptLibrary"/> when the host has one).
    /// </summary>
    public static IServiceCollection AddAgentHostAgents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAgentHostPlugins(configuration);
        services.AddSingleton(sp =>
        {
            var contentRoot = sp.GetService<IHostEnvironment>()?.ContentRootPath ?? AppContext.BaseDirectory;
            var path = Hosting.ShippedFolders.Resolve(configuration[AgentsPathKey], DefaultAgentsPath, contentRoot, "agents");
            return new AgentCatalog(path, sp.GetServices<KernelPlugin>().Select(p => p.Name));
        });
        services.AddSingleton(sp => new AgentRunner(
            sp,
            sp.GetRequiredService<ILogger<AgentRunner>>(),
            sp.GetService<IAgentPromptRenderer>() ?? (sp.GetService<Prompts.PromptLibrary>() is { } library ? new PromptLibraryRenderer(library) : null)));
        return services;
    }
}
