using System.Diagnostics.Metrics;
using System.Net;
using AgentHost.Backends;
using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;

namespace AgentHost.Fallback.Tests.Resilience;

/// <summary>The per-backend resilience as a pipeline step of its own (<c>UseBackendResilience</c>), used without the chain.</summary>
public sealed class BackendResilienceStepTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    private static BackendHttpOperationException Busy() => new("Mlx", HttpStatusCode.ServiceUnavailable, "busy", null, null);

    private static IChatClient Resilient(IChatClient inner, Action<BackendResilienceOptions>? configure = null)
    {
        var options = new BackendResilienceOptions { RetryDelay = TimeSpan.Zero, BreakerMinimumThroughput = 100 };
        configure?.Invoke(options);
        return inner.AsBuilder().UseBackendResilience("Mlx", options).Build();
    }

    [Fact]
    public async Task A_transient_failure_is_retried_and_the_caller_gets_the_answer()
    {
        var backend = new FakeChatClient("Mlx").Throws(Busy()).Answers("hi");

        var response = await Resilient(backend, o => o.MaxRetryAttempts = 1).GetResponseAsync(Hello);

        Assert.Equal("hi", response.Text);
        Assert.Equal(2, backend.Calls);
    }

    [Fact]
    public async Task A_caller_error_is_not_retried_and_surfaces_as_it_is()
    {
        var rejected = new BackendHttpOperationException("Mlx", HttpStatusCode.BadRequest, "bad temperature", null, null);
        var backend = new FakeChatClient("Mlx").Throws(rejected).Answers("never");

        var error = await Assert.ThrowsAsync<BackendHttpOperationException>(() => Resilient(backend, o => o.MaxRetryAttempts = 3).GetResponseAsync(Hello));

        Assert.Same(rejected, error);
        Assert.Equal(1, backend.Calls);
    }

    [Fact]
    public async Task The_breaker_opens_on_failures_then_refuses_without_asking_the_backend()
    {
        var backend = new FakeChatClient("Mlx").Throws(Busy());
        var client = Resilient(backend, o =>
        {
            o.MaxRetryAttempts = 0;
            o.BreakerMinimumThroughput = 2;
            o.BreakerFailureRatio = 0.5;
            o.BreakerBreakDuration = TimeSpan.FromMinutes(5);
        });

        // The failures that open the circuit surface as themselves, not as the breaker's refusal.
        await Assert.ThrowsAsync<BackendHttpOperationException>(() => client.GetResponseAsync(Hello));
        await Assert.ThrowsAsync<BackendHttpOperationException>(() => client.GetResponseAsync(Hello));
        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetResponseAsync(Hello));

        Assert.Equal(2, backend.Calls);
    }

    [Fact]
    public async Task A_stream_that_fails_before_its_first_content_is_retried_and_passes_on_nothing_of_the_failed_try()
    {
        var backend = new FakeChatClient("Mlx").Then(_ => RoleThenCut()).Answers("wh", "ole");

        var seen = new List<ChatResponseUpdate>();
        await foreach (var update in Resilient(backend, o => o.MaxRetryAttempts = 1).GetStreamingResponseAsync(Hello))
        {
            seen.Add(update);
        }

        Assert.Equal(["wh", "ole"], seen.Select(u => u.Text));
        Assert.Equal(2, backend.Calls);
    }

    [Fact]
    public async Task A_stream_that_breaks_after_content_is_not_retried_and_the_caller_sees_what_came_and_the_error()
    {
        var backend = new FakeChatClient("Mlx").Then(_ => ContentThenCut()).Answers("never");

        var seen = new List<string>();
        var error = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var update in Resilient(backend, o => o.MaxRetryAttempts = 3).GetStreamingResponseAsync(Hello))
            {
                seen.Add(update.Text);
            }
        });

        Assert.Equal(["half"], seen);
        Assert.Equal("cut", error.Message);
        Assert.Equal(1, backend.Calls);
    }

    [Fact]
    public async Task An_empty_reply_is_a_failure_of_the_backend()
    {
        var backend = new FakeChatClient("Mlx").Answers();

        var error = await Assert.ThrowsAsync<BackendResponseException>(() => Resilient(backend).GetResponseAsync(Hello));

        Assert.Contains("no answer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_chain_measures_on_a_meter_of_its_own_container()
    {
        using var first = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var second = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var firstFactory = first.GetRequiredService<IMeterFactory>();
        var seen = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Scope == firstFactory && i.Meter.Name == "AgentHost.Fallback")
            {
                l.EnableMeasurementEvents(i);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) => Backend(seen, tags));
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) => Backend(seen, tags));
        listener.Start();
        IChatClient Chain(string name, IMeterFactory meters) => new FallbackChainBuilder()
            .AddBackend(new ChainBackend(name, new FakeChatClient(name).Answers("ok"), new TestBackendOptions { Endpoint = "http://meter.test", Model = "m" }))
            .Configure(o => o.Order = [name])
            .UseMeterFactory(meters)
            .Build();

        await Chain("MeterFirst", firstFactory).GetResponseAsync(Hello);
        await Chain("MeterSecond", second.GetRequiredService<IMeterFactory>()).GetResponseAsync(Hello);

        lock (seen)
        {
            Assert.Contains("MeterFirst", seen);
            Assert.DoesNotContain("MeterSecond", seen);
        }
    }

    private static void Backend(List<string> seen, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key is "backend" or "gen_ai.provider.name" && tag.Value is string name)
            {
                lock (seen)
                {
                    seen.Add(name);
                }
            }
        }
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> RoleThenCut()
    {
        await Task.Yield();
        yield return new ChatResponseUpdate { Role = ChatRole.Assistant };
        throw new IOException("reset before any content");
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> ContentThenCut()
    {
        await Task.Yield();
        yield return new ChatResponseUpdate(ChatRole.Assistant, "half");
        throw new IOException("cut");
    }
}
