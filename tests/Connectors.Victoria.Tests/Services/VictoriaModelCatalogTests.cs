namespace AgentHost.Connectors.Victoria.Tests.Services;

public sealed class VictoriaModelCatalogTests
{
    [Fact]
    public async Task Reports_the_one_agent_by_default_name()
    {
        var models = await new VictoriaModelCatalog(new VictoriaOptions()).ListModelsAsync();

        Assert.Equal("victoria", Assert.Single(models).Name);
    }

    [Fact]
    public async Task Reports_the_configured_model_name()
    {
        var models = await new VictoriaModelCatalog(new VictoriaOptions { Model = "victoria-team-lead" }).ListModelsAsync();

        Assert.Equal("victoria-team-lead", Assert.Single(models).Name);
    }
}
