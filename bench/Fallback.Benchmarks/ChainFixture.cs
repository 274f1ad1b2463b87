using AgentHost.Fallback.Benchmarks.Backends;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Fallback.Benchmarks;

/// <summary>The state the first backend is in when a call arrives.</summary>
public enum FirstBackend
{
    /// <summary>It answers (the happy path).</summary>
    Answers,

    /// <summary>It refuses the connection on every call; its breaker never opens (minimum throughput set out of reach).</summary>
    Throws,

    /// <summary>It refuses, and its circuit breaker is open (opened during setup by failed calls, default breaker settings).</summary>
    BreakerOpen,

    /// <summary>Its health check says unhealthy and the monitor has marked it down (one probe in setup).</summary>
    HealthDown,
}

/// <summary>
/// Two in-memory backends (<c>Primary</c>, <c>Secondary</c>) and the chain over them, wired the way users wire it: each
/// backend through <c>AddBackend</c> (descriptor + keyed <see cref="IChatClient"/> + health check), then
/// <c>AddFallbackChatCompletion</c>. Logging: <c>AddLogging</c> with no provider at minimum level Warning (production
/// filtering; nothing is written). Telemetry: no listener. Health: probed once at setup, as a started host does.
/// </summary>
public sealed class ChainFixture : IDisposable
{
    public static readonly IReadOnlyList<ChatMessage> Messages = [new ChatMessage(ChatRole.User, "Say hello.")];

    private ChainFixture(ServiceProvider services, InMemoryChatClient primary, InMemoryChatClient secondary)
    {
        Services = services;
        Primary = primary;
        Secondary = secondary;
        Chain = services.GetRequiredService<IChatClient>();
        ChainSk = services.GetRequiredService<IChatCompletionService>();
    }

    public ServiceProvider Services { get; }

    public InMemoryChatClient Primary { get; }

    public InMemoryChatClient Secondary { get; }

    /// <summary>The chain's MEAI face (<see cref="FallbackChatClient"/>), resolved as users resolve it.</summary>
    public IChatClient Chain { get; }

    /// <summary>The chain's SK face (<see cref="FallbackChatCompletionService"/>: SK function invocation + adapter over the chain).</summary>
    public IChatCompletionService ChainSk { get; }

    public static ChainFixture Create(FirstBackend first, InMemoryBehavior answering = InMemoryBehavior.Canned, Action<FallbackRoutingOptions>? routing = null)
    {
        var primary = new InMemoryChatClient("Primary", first == FirstBackend.Answers ? answering : InMemoryBehavior.Refusing);
        var secondary = new InMemoryChatClient("Secondary", answering);
        var primaryHealth = new InMemoryHealthCheck { Status = first == FirstBackend.HealthDown ? HealthStatus.Unhealthy : HealthStatus.Healthy };

        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddInMemoryBackend(primary, primaryHealth);
        services.AddInMemoryBackend(secondary, new InMemoryHealthCheck());
        services.AddFallbackChatCompletion(o =>
        {
            o.Order = ["Primary", "Secondary"];
            if (first == FirstBackend.Throws)
            {
                // Every call must pay for the throw: keep the breaker from ever opening.
                o.Backends["Primary"] = new BackendResilienceOptions { BreakerMinimumThroughput = int.MaxValue };
            }
            else if (first == FirstBackend.BreakerOpen)
            {
                // Default ratio/throughput/window; only the break outlasts the run so the circuit stays open.
                o.Backends["Primary"] = new BackendResilienceOptions { BreakerBreakDuration = TimeSpan.FromHours(1) };
            }
        });

        if (routing is not null)
        {
            services.AddFallbackRouting(routing);
        }

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        provider.GetService<IStartupValidator>()?.Validate();
        provider.GetRequiredService<BackendHealthMonitor>().ProbeAllAsync().GetAwaiter().GetResult();
        var fixture = new ChainFixture(provider, primary, secondary);
        fixture.Prepare(first);
        return fixture;
    }

    /// <summary>Brings the first backend into its state and checks the chain behaves as the scenario says (fails setup otherwise).</summary>
    private void Prepare(FirstBackend first)
    {
        var expectedFirst = first switch
        {
            FirstBackend.Answers => "Primary: answered",
            FirstBackend.Throws => "Primary: connection refused",
            FirstBackend.BreakerOpen => "Primary: deferred (circuit open)",
            _ => "Primary: deferred (down",
        };
        var expectedBackend = first == FirstBackend.Answers ? "Primary" : "Secondary";
        FallbackReport? report = null;
        for (var i = 0; i < 20; i++)
        {
            var response = Chain.GetResponseAsync(Messages).GetAwaiter().GetResult();
            report = response.GetFallbackReport();
            Check(response.Text == InMemoryChatClient.Answer, $"answer was '{response.Text}'");
            if (report?.Attempts.Count > 0 && report.Attempts[0].ToString().StartsWith(expectedFirst, StringComparison.Ordinal))
            {
                break;
            }
        }

        Check(report is not null, "no fallback report on the response");
        Check(report!.Backend == expectedBackend, $"answered by {report.Backend}, expected {expectedBackend} ({report.Summary})");
        Check(report.Attempts[0].ToString().StartsWith(expectedFirst, StringComparison.Ordinal), $"first attempt was '{report.Attempts[0]}', expected '{expectedFirst}'");
    }

    public static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Benchmark setup check failed: " + what);
        }
    }

    public void Dispose() => Services.Dispose();
}
