using AgentHost.Backends;
using AgentHost.Connectors.Victoria;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.SemanticKernel;

/// <summary>Registers the Victoria connector on a kernel builder.</summary>
public static class VictoriaKernelBuilderExtensions
{
    /// <inheritdoc cref="VictoriaServiceCollectionExtensions.AddVictoriaChatClient(IServiceCollection, Action{VictoriaOptions}?, string)"/>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="configure">Sets the options (defaults: <c>http://localhost:8010</c>, sync mode).</param>
    /// <param name="name">The backend's name and service key.</param>
    public static IKernelBuilder AddVictoriaChatClient(
        this IKernelBuilder builder, Action<VictoriaOptions>? configure = null, string name = BackendNames.Victoria)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddVictoriaChatClient(configure, name);
        return builder;
    }

    /// <inheritdoc cref="VictoriaServiceCollectionExtensions.AddVictoriaChatClient(IServiceCollection, IConfiguration, string)"/>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="section">The configuration section holding the options.</param>
    /// <param name="name">The backend's name and service key.</param>
    public static IKernelBuilder AddVictoriaChatClient(
        this IKernelBuilder builder, IConfiguration section, string name = BackendNames.Victoria)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddVictoriaChatClient(section, name);
        return builder;
    }

    /// <summary>The same registration as <see cref="AddVictoriaChatClient(IKernelBuilder, Action{VictoriaOptions}?, string)"/>, under the name SK users look for.</summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="name">The backend's name and service key.</param>
    public static IKernelBuilder AddVictoriaChatCompletion(
        this IKernelBuilder builder, Action<VictoriaOptions>? configure = null, string name = BackendNames.Victoria) =>
        builder.AddVictoriaChatClient(configure, name);

    /// <summary>The same registration as <see cref="AddVictoriaChatClient(IKernelBuilder, IConfiguration, string)"/>, under the name SK users look for.</summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="section">The configuration section holding the options.</param>
    /// <param name="name">The backend's name and service key.</param>
    public static IKernelBuilder AddVictoriaChatCompletion(
        this IKernelBuilder builder, IConfiguration section, string name = BackendNames.Victoria) =>
        builder.AddVictoriaChatClient(section, name);
}
