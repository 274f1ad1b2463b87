using AgentHost.Backends;
using AgentHost.Connectors.Ollama.Tests.TestSupport;
using AgentHost.Emulators.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentHost.Connectors.Ollama.Tests.Services;

public sealed class OllamaHealthCheckTests
{
    private static Task<HealthCheckResult> CheckAsync(IServiceProvider services) =>
        services.GetRequiredKeyedService<IHealthCheck>(BackendNames.Ollama).CheckHealthAsync(new HealthCheckContext());

    [Fact]
    public async Task Running_server_is_healthy_with_its_loaded_models()
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.Load("llama3.2");

        var result = await CheckAsync(host.Services);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("Ollama is running", result.Description);
        Assert.Equal(["llama3.2:latest"], Assert.IsType<string[]>(result.Data["loaded_models"]));
        Assert.Contains(host.Emulator.Requests, r => r.Method == "GET" && r.PathAndQuery == "/");
    }

    [Fact]
    public async Task Status_500_is_unhealthy_with_the_status()
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.Faults.HealthStatusCode = 500;

        var result = await CheckAsync(host.Services);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("GET / answered 500: health check failed (500)", result.Description);
    }

    [Fact]
    public async Task Other_text_is_unhealthy()
    {
        await using var host = await OllamaTestHost.StartAsync();
        host.Emulator.Faults.HealthStatus = "Welcome to nginx!";

        var result = await CheckAsync(host.Services);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("Welcome to nginx!", result.Description);
    }

    [Fact]
    public async Task Refused_connection_is_unhealthy_with_the_address()
    {
        var address = Loopback.RefusingAddress().ToString();
        var services = new ServiceCollection().AddOllamaChatClient(o => o.Endpoint = address).BuildServiceProvider();

        var result = await CheckAsync(services);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.StartsWith($"cannot reach {address}", result.Description);
        Assert.IsType<HttpRequestException>(result.Exception);
    }

    [Fact]
    public async Task Hanging_server_is_unhealthy_after_the_health_timeout()
    {
        await using var host = await OllamaTestHost.StartAsync(o => o.HealthTimeout = TimeSpan.FromMilliseconds(200));
        host.Emulator.Faults.HealthHang = true;

        var result = await CheckAsync(host.Services);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.EndsWith("within 0.2 s", result.Description);
    }

    [Fact]
    public async Task Disabled_backend_is_unhealthy_without_a_request()
    {
        await using var host = await OllamaTestHost.StartAsync(o => o.Enabled = false);

        var result = await CheckAsync(host.Services);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("disabled by configuration", result.Description);
        Assert.Empty(host.Emulator.Requests);
    }
}
