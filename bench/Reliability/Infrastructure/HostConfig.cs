using System.Globalization;

namespace AgentHost.Bench.Reliability.Infrastructure;

/// <summary>The environment a suite gives <c>serve</c>: the emulators' addresses plus the suite's order and resilience settings.</summary>
internal sealed class HostConfig
{
    private readonly Dictionary<string, string> _env;

    private HostConfig(Dictionary<string, string> env) => _env = env;

    public static HostConfig For(EmulatorSet emulators) => new(emulators.HostEnvironment());

    public IReadOnlyDictionary<string, string> Environment => _env;

    /// <summary>
    /// The fallback order. Configuration merges arrays by index, so every slot of appsettings' four-entry order is set;
    /// the last name repeats (a backend named twice is tried at most once per call).
    /// </summary>
    public HostConfig Order(params string[] names)
    {
        for (var i = 0; i < Math.Max(4, names.Length); i++)
        {
            _env[$"AgentHost__Fallback__Order__{i}"] = names[Math.Min(i, names.Length - 1)];
        }

        return this;
    }

    public HostConfig Set(string key, string value)
    {
        _env[key] = value;
        return this;
    }

    public HostConfig Set(string key, TimeSpan value) => Set(key, value.ToString("c", CultureInfo.InvariantCulture));

    public HostConfig Set(string key, int value) => Set(key, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A bound on every attempt (a hanging backend is given up after it) and quick retries.</summary>
    public HostConfig Resilience(TimeSpan attemptTimeout, TimeSpan retryDelay) =>
        Set("AgentHost__Fallback__Resilience__AttemptTimeout", attemptTimeout)
            .Set("AgentHost__Fallback__Resilience__RetryDelay", retryDelay);

    /// <summary>How often the health prober looks, and how long one look may take.</summary>
    public HostConfig Probe(TimeSpan interval, TimeSpan timeout) =>
        Set("AgentHost__Fallback__Health__ProbeInterval", interval)
            .Set("AgentHost__Fallback__Health__ProbeTimeout", timeout);

    public HostConfig VictoriaAsync(TimeSpan pollInterval) =>
        Set("AgentHost__Backends__Victoria__Mode", "Async")
            .Set("AgentHost__Backends__Victoria__PollInterval", pollInterval)
            .Set("AgentHost__Backends__Victoria__PollTimeout", TimeSpan.FromSeconds(10));
}
