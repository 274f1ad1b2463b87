using AgentHost.Emulators.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentHost.Connectors.Victoria.Tests.Services;

/// <summary><c>GET /health</c> as the chain's probe sees it.</summary>
public sealed class VictoriaHealthCheckTests
{
    private static Task<HealthCheckResult> CheckAsync(VictoriaTestHost host) => host.Health.CheckHealthAsync(new HealthCheckContext());

    [Fact]
    public async Task Status_ok_is_healthy_with_the_agent_name()
    {
        await using var host = await VictoriaTestHost.StartAsync();

        var result = await CheckAsync(host);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("Виктория", result.Data["agent"]);
        Assert.Equal("ok", result.Data["status"]);
        Assert.Equal("/health", host.Emulator.Requests.Single().PathAndQuery);
    }

    [Fact]
    public async Task Status_healthy_is_accepted_too()
    {
        await using var host = await VictoriaTestHost.StartAsync(emulator: e => e.Faults.HealthStatus = "healthy");

        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Status);
    }

    [Fact]
    public async Task Another_status_is_unhealthy_naming_it()
    {
        await using var host = await VictoriaTestHost.StartAsync(emulator: e => e.Faults.HealthStatus = "starting");

        var result = await CheckAsync(host);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("starting", result.Description);
    }

    [Fact]
    public async Task Http_503_is_unhealthy_naming_the_status()
    {
        await using var host = await VictoriaTestHost.StartAsync(emulator: e => e.Faults.HealthStatusCode = 503);

        var result = await CheckAsync(host);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("503", result.Description);
    }

    [Fact]
    public async Task No_answer_within_the_health_timeout_is_unhealthy()
    {
        await using var host = await VictoriaTestHost.StartAsync(o => o.HealthTimeout = TimeSpan.FromMilliseconds(200), emulator: e => e.Faults.HealthHang = true);

        var result = await CheckAsync(host).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("did not answer", result.Description);
    }

    [Fact]
    public async Task Refused_connection_is_unhealthy()
    {
        await using var host = await VictoriaTestHost.StartAsync(o => o.Endpoint = Loopback.RefusingAddress().ToString());

        var result = await CheckAsync(host);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("unreachable", result.Description);
        Assert.IsType<HttpRequestException>(result.Exception);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_reported_as_a_timeout()
    {
        await using var host = await VictoriaTestHost.StartAsync(emulator: e => e.Faults.HealthHang = true);
        using var cts = new CancellationTokenSource();
        var check = host.Health.CheckHealthAsync(new HealthCheckContext(), cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => check.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
