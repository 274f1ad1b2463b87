using Microsoft.Extensions.DependencyInjection;
using AgentHost.Connectors.Mlx;
using AgentHost.Backends;
using Microsoft.Extensions.Configuration;
using Microsoft.SemanticKernel;

namespace Microsoft.SemanticKernel;

/// <summary>Registers the MLX connector on a kernel builder.</summary>
public static class MlxKernelBuilderExtensions
{
    /// <summary>Adds the MLX backend under <paramref name="name"/>; see <see cref="MlxServiceCollectionExtensions.AddMlxChatCompletion(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{MlxOptions}?, string)"/>.</summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="name">The backend name: the service key and the name in fallback orders.</param>
    public static IKernelBuilder AddMlxChatCompletion(this IKernelBuilder builder, Action<MlxOptions>? configure = null, string name = BackendNames.Mlx)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddMlxChatCompletion(configure, name);
        return builder;
    }

    /// <summary>Adds the MLX backend with options bound from a configuration section, e.g. <c>AgentHost:Backends:Mlx</c>.</summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="section">The section holding <see cref="MlxOptions"/>.</param>
    /// <param name="name">The backend name: the service key and the name in fallback orders.</param>
    public static IKernelBuilder AddMlxChatCompletion(this IKernelBuilder builder, IConfiguration section, string name = BackendNames.Mlx)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddMlxChatCompletion(section, name);
        return builder;
    }

    /// <summary>Adds the MLX backend under <paramref name="name"/>; the same registration as <see cref="AddMlxChatCompletion(IKernelBuilder, Action{MlxOptions}?, string)"/>.</summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="name">The backend name: the service key and the name in fallback orders.</param>
    public static IKernelBuilder AddMlxChatClient(this IKernelBuilder builder, Action<MlxOptions>? configure = null, string name = BackendNames.Mlx) =>
        builder.AddMlxChatCompletion(configure, name);

    /// <summary>Adds the MLX backend with options bound from a configuration section; the same registration as <see cref="AddMlxChatCompletion(IKernelBuilder, IConfiguration, string)"/>.</summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="section">The section holding <see cref="MlxOptions"/>.</param>
    /// <param name="name">The backend name: the service key and the name in fallback orders.</param>
    public static IKernelBuilder AddMlxChatClient(this IKernelBuilder builder, IConfiguration section, string name = BackendNames.Mlx) =>
        builder.AddMlxChatCompletion(section, name);
}
