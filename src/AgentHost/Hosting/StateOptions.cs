namespace AgentHost.Hosting;

/// <summary>State that replicas share, bound from <c>AgentHost:State</c>. Nothing set: every process keeps its own, in memory.</summary>
internal sealed class StateOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "AgentHost:State";

    /// <summary>
    /// A StackExchange.Redis configuration string (<c>localhost:6379</c>, <c>redis.lan:6379,password=…,ssl=true</c>). When
    /// set, breakers, health and rate limits are shared by every process on this Redis; a lost Redis degrades each process
    /// to its own state (one warning line) until it is back.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>The prefix of every key and channel this host writes, so several fleets (or tests) can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "agent-host:";
}
