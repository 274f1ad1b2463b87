using AgentHost.Backends;
using AgentHost.Connectors.Embedded.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentHost.Connectors.Embedded.Tests.Services;

public sealed class EmbeddedModelWarmerTests
{
    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task The_weights_are_loaded_at_start_only_when_WarmUp_is_set(bool warmUp, bool loaded)
    {
        using var services = TinyModel.Services(o => o.WarmUp = warmUp);
        var warmer = Assert.Single(services.GetServices<IHostedService>().OfType<EmbeddedModelWarmer>());

        await warmer.StartAsync(CancellationToken.None);
        await warmer.Completion;

        Assert.Equal(loaded, services.GetRequiredKeyedService<EmbeddedModel>(BackendNames.Embedded).IsLoaded);
    }
}
