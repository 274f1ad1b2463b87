using Microsoft.Extensions.DependencyInjection;
using AgentHost.Connectors.Victoria;
using AgentHost.Backends;
using Microsoft.Extensions.Configuration;
using Microsoft.SemanticKernel;

namespace Microsoft.SemanticKernel;

/// <summary>Registers the Victoria connector on a kernel builder.</summary>
public static class VictoriaKernelBuilderExtensions
{
    /// <inheritdoc cref="VictoriaServiceCollectionExtensions.AddVictoriaChatCompletion(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{VictoriaOptions}?, string)"/>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="configure">Sets the options (defaults: <c>http://localhost:8010</c>, sync mode).</param>
    /// <param name="name">The backend's name and service key.</param>
    public static IKernelBuilder AddVictoriaChatCompletion(
        this IKernelBuilder builder, Action<VictoriaOptions>? configure = null, string name = BackendNames.Victoria)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddVictoriaChatCompletion(configure, name);
        return builder;
    }

    /// <inheritdoc cref="VictoriaServiceCollectionExtensions.AddVictoriaChatCompletion(Microsoft.Extensions.DependencyInjection.IServiceCollection, IConfiguration, string)"/>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="section">The configuration section holding the options.</param>
    /// <param name="name">The backend's name and service key.</param>
    public static IKernelBuilder AddVictoriaChatCompletion(
        this IKernelBuilder builder, IConfiguration section, string name = BackendNames.Victoria)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddVictoriaChatCompletion(section, name);
        return builder;
    }

    /// <summary>Adds Victoria as the backend <paramref name="name"/>; the same registration as <see cref="AddVictoriaChatCompletion(IKernelBuilder, Action{VictoriaOptions}?, string)"/>.</summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="name">The backend's name and service key.</param>
    public static IKernelBuilder AddVictoriaChatClient(
        this IKernelBuilder builder, Action<VictoriaOptions>? configure = null, string name = BackendNames.Victoria) =>
        builder.AddVictoriaChatCompletion(configure, name);

    /// <summary>Adds Victoria with its options bound from <paramref name="section"/>; the same registration as <see cref="AddVictoriaChatCompletion(IKernelBuilder, IConfiguration, string)"/>.</summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="section">The configuration section holding the options.</param>
    /// <param name="name">The backend's name and service key.</param>
    public static IKernelBuilder AddVictoriaChatClient(
        this IKernelBuilder builder, IConfiguration section, string name = BackendNames.Victoria) =>
        builder.AddVictoriaChatCompletion(section, name);
}
