using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.SemanticKernel;

/// <summary>Registers the fallback chain on an SK <see cref="IKernelBuilder"/>, after the backends.</summary>
public static class FallbackKernelBuilderExtensions
{
    /// <summary>Adds the fallback chain (see <see cref="FallbackChatCompletionServiceCollectionExtensions.AddFallbackChatCompletion(IServiceCollection, Action{AgentHost.Fallback.FallbackOptions}?)"/>).</summary>
    public static IKernelBuilder AddFallbackChatCompletion(this IKernelBuilder builder, Action<AgentHost.Fallback.FallbackOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddFallbackChatCompletion(configure);
        return builder;
    }

    /// <summary>Adds the fallback chain with options bound from <paramref name="section"/> (e.g. <c>AgentHost:Fallback</c>).</summary>
    public static IKernelBuilder AddFallbackChatCompletion(this IKernelBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddFallbackChatCompletion(section);
        return builder;
    }
}
