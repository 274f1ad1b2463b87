using System.ComponentModel.DataAnnotations;

namespace AgentHost.Fallback.Redis;

/// <summary>How <see cref="RedisBackendStateSharing"/> names its keys and how often it re-reads them.</summary>
public sealed class RedisBackendStateOptions
{
    private string _keyPrefix = "agent-host:";
    private TimeSpan _recheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The prefix of every key and of the channel (<c>{prefix}breaker:{backend}</c>, <c>{prefix}breaker:{backend}:trial</c>,
    /// <c>{prefix}health:{backend}</c>, <c>{prefix}state</c>), so several fleets (or tests) can share one Redis. Default <c>agent-host:</c>.
    /// </summary>
    public string KeyPrefix
    {
        get => _keyPrefix;
        set => _keyPrefix = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// How often the keys are read again, besides the published changes (a message missed while Redis was away, a key that
    /// expired). Default 1 s; at least 50 ms.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan RecheckInterval
    {
        get => _recheckInterval;
        set => _recheckInterval = value >= TimeSpan.FromMilliseconds(50) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "At least 50 ms.");
    }

    /// <summary>This replica's name in the values it writes (default <c>{machine}:{process id}:{random}</c>).</summary>
    public string? ReplicaId { get; set; }
}
