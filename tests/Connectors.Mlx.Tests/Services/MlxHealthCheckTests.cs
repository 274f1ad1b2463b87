using System.Net;
using AgentHost.Connectors.Mlx.Tests.Support;
using AgentHost.Emulators.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;

namespace AgentHost.Connectors.Mlx.Tests.Services;

public sealed class MlxHealthCheckTests
{
    [Fact]
    public async Task Healthy_server_is_healthy_with_its_figures_in_the_data()
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e =>
        {
            e.ActiveRequests = 2;
            e.MemoryUsedPercent = 41.3;
        });

        var result = await mlx.CheckHealthAsync();

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("healthy", result.Data["status"]);
        Assert.Equal(2, result.Data["active_requests"]);
        Assert.Equal(5, result.Data["max_concurrent"]);
        Assert.Equal(1, result.Data["models_cached"]);
        Assert.Equal(41.3, result.Data["memory.used_percent"]);
        Assert.Equal(128.0, result.Data["memory.total_gb"]);
        Assert.Equal(75.14, result.Data["memory.available_gb"]);
        Assert.Equal(["phi3.5:3.8b"], (string[])result.Data["cached_models"]);
        Assert.Equal("/health", mlx.Emulator.Requests.Single().PathAndQuery);
    }

    [Fact]
    public async Task Every_slot_busy_is_degraded_not_down()
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.ActiveRequests = 5);

        var result = await mlx.CheckHealthAsync();

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("slot", result.Description);
    }

    [Fact]
    public async Task Memory_warning_is_unhealthy_with_the_reason()
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.MemoryUsedPercent = 88.4);

        var result = await mlx.CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("warning", result.Data["status"]);
        Assert.Contains("88.4 %", result.Description);
    }

    [Theory]
    [InlineData("critical")]
    [InlineData("loading")]
    public async Task Critical_or_unknown_status_is_unhealthy(string status)
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.Faults.HealthStatus = status);

        var result = await mlx.CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains(status, result.Description);
    }

    [Fact]
    public async Task Status_degraded_from_the_knob_is_degraded()
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.Faults.HealthStatus = "degraded");

        Assert.Equal(HealthStatus.Degraded, (await mlx.CheckHealthAsync()).Status);
    }

    [Fact]
    public async Task Non_200_is_unhealthy_with_the_server_text()
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.Faults.HealthStatusCode = 500);

        var result = await mlx.CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("500", result.Description);
        Assert.Contains("health check failed", result.Description);
    }

    [Fact]
    public async Task No_answer_within_the_health_timeout_is_unhealthy()
    {
        await using var mlx = await MlxBackend.StartAsync(o => o.HealthTimeout = TimeSpan.FromMilliseconds(250), e => e.Faults.HealthHang = true);

        var result = await mlx.CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("did not answer within 0.25 s", result.Description);
    }

    [Fact]
    public async Task Refused_connection_is_unhealthy()
    {
        await using var mlx = await MlxBackend.StartAsync(o => o.Endpoint = Loopback.RefusingAddress().ToString());

        var result = await mlx.CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.IsType<HttpRequestException>(result.Exception);
    }

    [Fact]
    public async Task OpenAI_protocol_health_is_v1_models_answering_200()
    {
        await using var mlx = await MlxBackend.StartAsync(o => o.Protocol = MlxProtocol.OpenAI, e => e.OpenAIMode = true);

        var result = await mlx.CheckHealthAsync();

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("/v1/models", mlx.Emulator.Requests.Single().PathAndQuery);
    }

    [Fact]
    public async Task OpenAI_protocol_against_a_server_without_v1_models_is_unhealthy()
    {
        await using var mlx = await MlxBackend.StartAsync(o => o.Protocol = MlxProtocol.OpenAI);

        var result = await mlx.CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("404", result.Description);
    }

    [Fact]
    public async Task Recorded_warning_reply_is_read_field_by_field()
    {
        var handler = new RecordedReplyHandler(HttpStatusCode.OK, "health_warning.json");
        var check = new MlxHealthCheck(new HttpClient(handler), new MlxOptions());

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal(88.4, result.Data["memory.used_percent"]);
        Assert.Equal(14.85, result.Data["memory.available_gb"]);
        Assert.Equal(["fast"], (string[])result.Data["cached_models"]);
        Assert.Equal("http://localhost:11435/health", handler.Requests.Single().Request.RequestUri!.ToString());
    }
}
