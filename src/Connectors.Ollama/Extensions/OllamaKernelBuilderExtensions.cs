using AgentHost.Backends;
using AgentHost.Connectors.Ollama;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;

namespace Microsoft.SemanticKernel;

/// <summary>Registers Ollama as a backend on a kernel builder (see <see cref="OllamaServiceCollectionExtensions"/>).</summary>
public static class OllamaKernelBuilderExtensions
{
    /// <summary>Adds the Ollama backend named <paramref name="name"/> to the kernel's services, configured by <paramref name="configure"/>.</summary>
    public static IKernelBuilder AddOllamaChatClient(this IKernelBuilder builder, Action<OllamaBackendOptions>? configure = null, string name = BackendNames.Ollama)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOllamaChatClient(configure, name);
        return builder;
    }

    /// <summary>Adds the Ollama backend named <paramref name="name"/> to the kernel's services, bound from <paramref name="section"/>.</summary>
    public static IKernelBuilder AddOllamaChatClient(this IKernelBuilder builder, IConfiguration section, string name = BackendNames.Ollama)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOllamaChatClient(section, name);
        return builder;
    }
}
