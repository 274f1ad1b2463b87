using AgentHost.Fallback;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the fallback chain and its Semantic Kernel face over the backends added before it.</summary>
public static class FallbackChatCompletionServiceCollectionExtensions
{
    /// <summary>
    /// Adds the fallback chain (<see cref="FallbackServiceCollectionExtensions.AddFallbackChatClient(IServiceCollection, Action{FallbackOptions}?)"/>)
    /// and its SK face: <see cref="FallbackChatCompletionService"/> as the default SK <see cref="IChatCompletionService"/>
    /// (function invocation above the chain) and <see cref="FallbackAIServiceSelector"/> as SK's <see cref="IAIServiceSelector"/>.
    /// </summary>
    public static IServiceCollection AddFallbackChatCompletion(this IServiceCollection services, Action<FallbackOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddFallbackChatClient(configure).AddFallbackKernelFace();
    }

    /// <summary>Adds the fallback chain and its SK face with options bound from <paramref name="section"/> (e.g. <c>AgentHost:Fallback</c>).</summary>
    public static IServiceCollection AddFallbackChatCompletion(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddFallbackChatClient(section).AddFallbackKernelFace();
    }

    private static IServiceCollection AddFallbackKernelFace(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new FallbackChatCompletionService(
            sp.GetRequiredService<FallbackChatClient>(), sp, sp.GetService<ILoggerFactory>()));
        services.TryAddSingleton(sp => new FallbackAIServiceSelector(
            sp.GetRequiredService<FallbackChatCompletionService>(), sp.GetRequiredService<FallbackChatClient>()));

        // As the chain's IChatClient: registered last, the SK face wins single resolution over any backend's own.
        services.AddSingleton<IChatCompletionService>(sp => sp.GetRequiredService<FallbackChatCompletionService>());
        services.AddSingleton<IAIServiceSelector>(sp => sp.GetRequiredService<FallbackAIServiceSelector>());
        return services;
    }
}
