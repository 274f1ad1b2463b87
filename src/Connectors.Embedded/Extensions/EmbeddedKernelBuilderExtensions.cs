using AgentHost.Backends;
using AgentHost.Connectors.Embedded;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;

namespace Microsoft.SemanticKernel;

/// <summary>Registers the embedded backend on a kernel builder (see <see cref="EmbeddedServiceCollectionExtensions"/>).</summary>
public static class EmbeddedKernelBuilderExtensions
{
    /// <summary>Adds the embedded backend named <paramref name="name"/> to the kernel's services, configured by <paramref name="configure"/>.</summary>
    public static IKernelBuilder AddEmbeddedChatClient(this IKernelBuilder builder, Action<EmbeddedBackendOptions>? configure = null, string name = BackendNames.Embedded)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddEmbeddedChatClient(configure, name);
        return builder;
    }

    /// <summary>Adds the embedded backend named <paramref name="name"/> to the kernel's services, bound from <paramref name="section"/>.</summary>
    public static IKernelBuilder AddEmbeddedChatClient(this IKernelBuilder builder, IConfiguration section, string name = BackendNames.Embedded)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddEmbeddedChatClient(section, name);
        return builder;
    }
}
