using AgentHost.Backends;
using AgentHost.Connectors.Embedded.Tests.TestSupport;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentHost.Connectors.Embedded.Tests.Services;

public sealed class EmbeddedModelCatalogTests
{
    [Fact]
    public async Task Lists_the_model_file_its_size_and_whether_it_is_loaded()
    {
        using var services = TinyModel.Services();
        var catalog = services.GetRequiredKeyedService<IModelCatalog>(BackendNames.Embedded);

        var before = Assert.Single(await catalog.ListModelsAsync());
        await services.GetRequiredKeyedService<IChatClient>(BackendNames.Embedded).GetResponseAsync([new(ChatRole.User, "hi")]);
        var after = Assert.Single(await catalog.ListModelsAsync());

        Assert.Equal(new BackendModelInfo("tiny-llama.gguf", TinyModel.SizeBytes, false), before);
        Assert.Equal(new BackendModelInfo("tiny-llama.gguf", TinyModel.SizeBytes, true), after);
    }

    [Fact]
    public async Task A_disabled_backend_lists_no_model()
    {
        using var services = TinyModel.Services(o => o.Enabled = false);

        Assert.Empty(await services.GetRequiredKeyedService<IModelCatalog>(BackendNames.Embedded).ListModelsAsync());
    }
}
