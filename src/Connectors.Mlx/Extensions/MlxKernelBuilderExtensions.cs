using AgentHost.Backends;
using AgentHost.Connectors.Mlx;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.SemanticKernel;

/// <summary>Registers the MLX connector on a kernel builder.</summary>
public static class MlxKernelBuilderExtensions
{
    /// <summary>Adds the MLX backend under <paramref name="name"/>; see <see cref="MlxServiceCollectionExtensions.AddMlxChatClient(IServiceCollection, Action{MlxOptions}?, string)"/>.</summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="name">The backend name: the service key and the name in fallback orders.</param>
    public static IKernelBuilder AddMlxChatClient(this IKernelBuilder builder, Action<MlxOptions>? configure = null, string name = BackendNames.Mlx)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddMlxChatClient(configure, name);
        return builder;
    }

    /// <summary>Adds the MLX backend with options bound from a configuration section, e.g. <c>AgentHost:Backends:Mlx</c>.</summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="section">The section holding <see cref="MlxOptions"/>.</param>
    /// <param name="name">The backend name: the service key and the name in fallback orders.</param>
    public static IKernelBuilder AddMlxChatClient(this IKernelBuilder builder, IConfiguration section, string name = BackendNames.Mlx)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddMlxChatClient(section, name);
        return builder;
    }

    /// <summary>The same registration as <see cref="AddMlxChatClient(IKernelBuilder, Action{MlxOptions}?, string)"/>, under the name SK users look for.</summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="name">The backend name: the service key and the name in fallback orders.</param>
    public static IKernelBuilder AddMlxChatCompletion(this IKernelBuilder builder, Action<MlxOptions>? configure = null, string name = BackendNames.Mlx) =>
        builder.AddMlxChatClient(configure, name);

    /// <summary>The same registration as <see cref="AddMlxChatClient(IKernelBuilder, IConfiguration, string)"/>, under the name SK users look for.</summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="section">The section holding <see cref="MlxOptions"/>.</param>
    /// <param name="name">The backend name: the service key and the name in fallback orders.</param>
    public static IKernelBuilder AddMlxChatCompletion(this IKernelBuilder builder, IConfiguration section, string name = BackendNames.Mlx) =>
        builder.AddMlxChatClient(section, name);
}
