using AgentHost.Backends;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Moq;

namespace AgentHost.Fallback.Tests.Support;

/// <summary>Two backends, A and B, whose options are bound to an in-memory configuration a test can reload.</summary>
internal static class ReloadableBackends
{
    /// <summary>A's and B's endpoints and models (<c>a-model</c>, <c>b-model</c>) under sections <c>A</c> and <c>B</c>.</summary>
    public static IConfigurationRoot Configuration() => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["A:Endpoint"] = "http://a.test",
        ["A:Model"] = "a-model",
        ["B:Endpoint"] = "http://b.test",
        ["B:Model"] = "b-model",
    }).Build();

    /// <summary>Registers <paramref name="name"/> with options bound to its section of <paramref name="config"/>.</summary>
    public static void Register(IServiceCollection services, IConfiguration config, string name, IChatClient client)
    {
        services.AddBackendOptions<TestBackendOptions>(name).Bind(config.GetSection(name));
        services.AddBackend<TestBackendOptions>(name, name + " Server", (_, _) => client, (_, _) => Mock.Of<IHealthCheck>(), (_, _) => Mock.Of<IModelCatalog>(),
            TimeSpan.FromSeconds(5));
    }
}
