using AgentHost.Hosting;
using Microsoft.SemanticKernel;

namespace AgentHost.Prompts;

/// <summary>Registers the prompt library and its kernel plugin.</summary>
internal static class PromptServiceCollectionExtensions
{
    /// <summary>The configuration key of the prompts folder, relative to the content root (DESIGN §5).</summary>
    public const string PromptsPathKey = AgentHostServiceCollectionExtensions.SectionName + ":PromptsPath";

    /// <summary>The prompts folder when none is configured: the repository's <c>prompts/</c> seen from <c>src/AgentHost</c>.</summary>
    public const string DefaultPromptsPath = "../../prompts";

    /// <summary>
    /// Adds <see cref="PromptLibrary"/> over <c>AgentHost:PromptsPath</c> (resolved against the host's content root) and its
    /// <see cref="PromptLibrary.Plugin"/> as a <see cref="KernelPlugin"/> singleton, so the kernel (and agents) can call prompts as functions.
    /// </summary>
    public static IServiceCollection AddAgentHostPrompts(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton(sp =>
        {
            var configured = configuration[PromptsPathKey];
            var contentRoot = sp.GetService<IHostEnvironment>()?.ContentRootPath ?? ContentRoot.Locate();
            var root = ShippedFolders.Resolve(configured, DefaultPromptsPath, contentRoot, "prompts");
            return new PromptLibrary(root, sp, sp.GetService<ILoggerFactory>());
        });
        services.AddSingleton<KernelPlugin>(sp => sp.GetRequiredService<PromptLibrary>().Plugin);
        return services;
    }
}
