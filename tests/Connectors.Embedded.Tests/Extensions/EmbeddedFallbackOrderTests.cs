using AgentHost.Backends;
using AgentHost.Connectors.Embedded.Tests.TestSupport;
using AgentHost.Fallback;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Moq;

namespace AgentHost.Connectors.Embedded.Tests.Extensions;

/// <summary>The last-resort rule: an enabled Embedded backend that the order does not name ends the order; named, it keeps its place.</summary>
public sealed class EmbeddedFallbackOrderTests
{
    [Fact]
    public void An_order_that_does_not_name_Embedded_ends_with_it()
    {
        using var services = Build(["Server?", "Server"], embeddedPath: TinyModel.Path);

        Assert.Equal(["Server?", "Server", "Embedded"], services.GetRequiredService<FallbackChatClient>().Order);
    }

    [Fact]
    public void The_default_order_ends_with_Embedded_too()
    {
        using var services = Build(order: null, embeddedPath: TinyModel.Path, serverName: "Ollama");

        Assert.Equal(["Ollama", "Embedded"], services.GetRequiredService<FallbackChatClient>().Order);
    }

    [Fact]
    public void An_order_that_names_Embedded_keeps_its_position()
    {
        using var services = Build(["Embedded", "Server"], embeddedPath: TinyModel.Path);

        Assert.Equal(["Embedded", "Server"], services.GetRequiredService<FallbackChatClient>().Order);
    }

    [Fact]
    public void Without_a_model_path_Embedded_is_not_appended()
    {
        using var services = Build(["Server"], embeddedPath: "");

        Assert.Equal(["Server"], services.GetRequiredService<FallbackChatClient>().Order);
    }

    private static ServiceProvider Build(string[]? order, string embeddedPath, string serverName = "Server")
    {
        var services = new ServiceCollection();
        services.AddBackendOptions<ServerOptions>(serverName);
        services.AddBackend<ServerOptions>(serverName, "A server", (_, _) => Mock.Of<IChatClient>(), (_, _) => Mock.Of<IHealthCheck>(),
            (_, _) => Mock.Of<IModelCatalog>(), TimeSpan.FromSeconds(5));
        services.AddEmbeddedChatClient(o => o.ModelPath = embeddedPath);
        services.AddFallbackChatCompletion(o =>
        {
            if (order is not null)
            {
                o.Order = order;
            }
        });
        return services.BuildServiceProvider();
    }

    public sealed class ServerOptions : BackendOptions
    {
        public ServerOptions() => Endpoint = "http://127.0.0.1:9";
    }
}
