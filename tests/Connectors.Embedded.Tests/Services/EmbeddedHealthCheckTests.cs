using AgentHost.Backends;
using AgentHost.Connectors.Embedded.Tests.TestSupport;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentHost.Connectors.Embedded.Tests.Services;

public sealed class EmbeddedHealthCheckTests
{
    [Fact]
    public async Task A_readable_model_file_is_healthy_with_its_size_context_and_load_state_without_loading_it()
    {
        using var services = TinyModel.Services();
        var check = services.GetRequiredKeyedService<IHealthCheck>(BackendNames.Embedded);

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("tiny-llama.gguf, 240.5 KB, llama, context 256, not loaded", result.Description);
        Assert.Equal(256, result.Data["context_window"]);
        Assert.Equal(TinyModel.SizeBytes, result.Data["size_bytes"]);
        Assert.False(services.GetRequiredKeyedService<EmbeddedModel>(BackendNames.Embedded).IsLoaded);
    }

    [Fact]
    public async Task After_a_request_the_health_says_loaded()
    {
        using var services = TinyModel.Services();
        await services.GetRequiredKeyedService<IChatClient>(BackendNames.Embedded).GetResponseAsync([new(ChatRole.User, "hi")]);

        var result = await services.GetRequiredKeyedService<IHealthCheck>(BackendNames.Embedded).CheckHealthAsync(new HealthCheckContext());

        Assert.EndsWith(", loaded", result.Description);
        Assert.Equal(true, result.Data["loaded"]);
    }

    [Fact]
    public async Task A_model_file_removed_after_start_is_unhealthy_with_the_path()
    {
        var path = TinyModel.CopyToTemp();
        using var services = TinyModel.Services(o => o.ModelPath = path);
        var check = services.GetRequiredKeyedService<IHealthCheck>(BackendNames.Embedded);
        File.Delete(path);

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal($"model file {path} does not exist", result.Description);
    }

    [Fact]
    public async Task A_model_file_replaced_by_something_else_is_unhealthy_on_the_next_probe()
    {
        var path = TinyModel.CopyToTemp();
        using var services = TinyModel.Services(o => o.ModelPath = path);
        var check = services.GetRequiredKeyedService<IHealthCheck>(BackendNames.Embedded);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        File.WriteAllText(path, "<html>error page</html>");

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("is not a GGUF file", result.Description);
    }

    [Fact]
    public async Task Without_a_model_path_the_backend_is_off()
    {
        using var services = TinyModel.Services(o => o.ModelPath = "");
        var result = await services.GetRequiredKeyedService<IHealthCheck>(BackendNames.Embedded).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("disabled (no ModelPath)", result.Description);
    }
}
