using AgentHost.Backends;
using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Moq;

namespace AgentHost.Fallback.Tests.Core;

public sealed class BackendOptionsReloadTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    [Fact]
    public async Task A_backend_disabled_by_a_configuration_reload_is_skipped_from_the_next_call_and_back_when_re_enabled()
    {
        var config = ReloadableBackends.Configuration();
        var services = new ServiceCollection().AddLogging();
        ReloadableBackends.Register(services, config, "A", new FakeChatClient("A").Answers("from A"));
        ReloadableBackends.Register(services, config, "B", new FakeChatClient("B").Answers("from B"));
        services.AddFallbackChatCompletion(o =>
        {
            o.Order = ["A", "B"];
            o.Health.ProbeInterval = TimeSpan.Zero;
        });
        await using var provider = services.BuildServiceProvider();
        var chain = provider.GetRequiredService<FallbackChatClient>();

        var before = await chain.GetResponseAsync(Hello);
        config["A:Enabled"] = "false";
        config.Reload();
        var disabled = await chain.GetResponseAsync(Hello);
        config["A:Enabled"] = "true";
        config.Reload();
        var reenabled = await chain.GetResponseAsync(Hello);

        Assert.Equal("from A", before.Text);
        Assert.Equal("from B", disabled.Text);
        Assert.Equal("A: skipped (disabled)", disabled.GetFallbackReport()!.Attempts[0].ToString());
        Assert.Equal("from A", reenabled.Text);
    }

}
