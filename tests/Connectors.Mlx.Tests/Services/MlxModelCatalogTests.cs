using AgentHost.Backends;
using AgentHost.Connectors.Mlx.Tests.Support;
using AgentHost.Emulators.Mlx;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;

namespace AgentHost.Connectors.Mlx.Tests.Services;

public sealed class MlxModelCatalogTests
{
    [Fact]
    public async Task Lists_the_models_api_tags_reports()
    {
        await using var mlx = await MlxBackend.StartAsync();

        var models = await mlx.Catalog.ListModelsAsync();

        Assert.Equal(MlxEmulator.KnownModels, models.Select(m => m.Name));
        Assert.All(models, m => Assert.Null(m.SizeBytes));
        Assert.Equal("/api/tags", mlx.Emulator.Requests.Single().PathAndQuery);
    }

    [Fact]
    public async Task OpenAI_protocol_lists_v1_models()
    {
        await using var mlx = await MlxBackend.StartAsync(o => o.Protocol = MlxProtocol.OpenAI, e => e.OpenAIMode = true);

        var models = await mlx.Catalog.ListModelsAsync();

        Assert.Equal([MlxEmulator.OpenAIModel], models.Select(m => m.Name));
    }

    [Fact]
    public async Task Error_status_is_a_backend_http_error()
    {
        await using var mlx = await MlxBackend.StartAsync(o => o.Protocol = MlxProtocol.OpenAI);

        var e = await Assert.ThrowsAsync<BackendHttpOperationException>(() => mlx.Catalog.ListModelsAsync());

        Assert.Equal("Not Found", e.ServerError);
    }
}
