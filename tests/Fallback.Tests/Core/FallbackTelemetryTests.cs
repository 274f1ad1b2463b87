using System.Diagnostics.Metrics;
using AgentHost.Fallback.Core;
using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Tests.Core;

/// <summary>The labels the chain's counters carry: the route of the call, and a skip's reason as a fixed word.</summary>
public sealed class FallbackTelemetryTests
{
    [Theory]
    [InlineData("disabled", "disabled")]
    [InlineData("no tool support", "no_tools")]
    [InlineData("options could not be read", "invalid_options")]
    [InlineData("circuit open", "circuit_open")]
    [InlineData("circuit open after a timeout; not tried", "circuit_open_timeout")]
    [InlineData("used only when healthy; down: connection refused", "optional_not_healthy")]
    [InlineData("used only when healthy; circuit open", "optional_not_healthy")]
    [InlineData("down: /health could not be reached: Connection refused (127.0.0.1:19999)", "down")]
    [InlineData("down", "down")]
    [InlineData("request of ~9000 tokens exceeds its context window of 4096", "context_window")]
    [InlineData("context window not larger than Mlx's", "context_window")]
    [InlineData("no usable model: llama3.2 missing, it has only phi3", "no_model")]
    [InlineData("something new", "other")]
    [InlineData(null, "other")]
    public void A_skip_reason_becomes_one_fixed_word(string? reason, string label) => Assert.Equal(label, SkipReasonLabel.Of(reason));

    [Fact]
    public async Task Counters_carry_the_route_and_skips_their_reason()
    {
        var measurements = new List<(string Instrument, Dictionary<string, string?> Tags)>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (i, l) => { if (i.Meter.Name == FallbackChatClient.TelemetryName) { l.EnableMeasurementEvents(i); } };
        meters.SetMeasurementEventCallback<long>((i, _, tags, _) => Record(measurements, i.Name, tags));
        meters.SetMeasurementEventCallback<double>((i, _, tags, _) => Record(measurements, i.Name, tags));
        meters.Start();
        var noTools = new FakeChatClient("TelNoTools").Answers("never");
        var tools = new FakeChatClient("TelTools").Answers("ok");
        await using var h = new ChainHarness()
            .Backend("TelNoTools", noTools, o => o.Capabilities.SupportsTools = false)
            .Backend("TelTools", tools, o => o.Capabilities.SupportsTools = true)
            .Chain(o => o.Order = ["TelNoTools", "TelTools"]);

        await h.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "q")], new ChatOptions { Tools = [AIFunctionFactory.Create(() => "now", "now")] });

        lock (measurements)
        {
            Assert.Contains(measurements, m => m.Instrument == "agenthost.fallback.skips" && m.Tags["backend"] == "TelNoTools"
                && m.Tags["outcome"] == "skipped" && m.Tags["reason"] == "no_tools" && m.Tags["route"] == "default");
            Assert.Contains(measurements, m => m.Instrument == "agenthost.fallback.requests" && m.Tags["backend"] == "TelTools"
                && m.Tags["outcome"] == "succeeded" && m.Tags["route"] == "default");
            // The GenAI histogram keeps its attributes and adds only the route.
            var duration = Assert.Single(measurements, m => m.Instrument == "gen_ai.client.operation.duration" && m.Tags.GetValueOrDefault("gen_ai.provider.name") == "TelTools");
            Assert.Equal("default", duration.Tags["route"]);
            Assert.False(duration.Tags.ContainsKey("backend"));
            Assert.DoesNotContain(measurements, m => m.Instrument == "gen_ai.client.operation.duration" && m.Tags.GetValueOrDefault("gen_ai.provider.name") == "TelNoTools");
        }
    }

    private static void Record(List<(string, Dictionary<string, string?>)> list, string name, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, string?>();
        foreach (var t in tags)
        {
            copy[t.Key] = t.Value?.ToString();
        }

        lock (list)
        {
            list.Add((name, copy));
        }
    }
}
