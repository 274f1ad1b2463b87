using StackExchange.Redis;

namespace AgentHost.Hosting;

/// <summary>
/// The process's one connection to the shared-state Redis (<see cref="StateOptions.Redis"/>). It never fails the host's
/// start: an unreachable Redis leaves a multiplexer that reconnects by itself, and every command fails fast while it is
/// away (no backlog), so its users fall back to local state at once. Says so once when the connection is lost and once
/// when it is back.
/// </summary>
internal sealed partial class RedisConnection : IDisposable
{
    private readonly ILogger _logger;
    private readonly string _endpoint;
    private int _lost;

    public RedisConnection(string configuration, string keyPrefix, ILogger<RedisConnection> logger)
    {
        _logger = logger;
        KeyPrefix = keyPrefix;
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false; // start without Redis; it connects when it can
        options.BacklogPolicy = BacklogPolicy.FailFast; // while it is away, commands fail at once instead of queueing
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);
        options.ClientName ??= $"agent-host:{Environment.MachineName}:{Environment.ProcessId}";
        _endpoint = string.Join(",", options.EndPoints.Select(e => e.ToString()));
        Multiplexer = ConnectionMultiplexer.Connect(options);
        Multiplexer.ConnectionFailed += (_, e) => Lost(e.Exception?.Message ?? e.FailureType.ToString());
        Multiplexer.ConnectionRestored += (_, _) => Restored();
        if (!Multiplexer.IsConnected)
        {
            Lost("no connection at start");
        }
    }

    /// <summary>The multiplexer (thread-safe, shared by every user in the process).</summary>
    public IConnectionMultiplexer Multiplexer { get; }

    /// <summary>The prefix of every key and channel (<see cref="StateOptions.KeyPrefix"/>).</summary>
    public string KeyPrefix { get; }

    /// <summary>Whether Redis can be reached now.</summary>
    public bool IsConnected => Multiplexer.IsConnected;

    public void Dispose() => Multiplexer.Dispose();

    private void Lost(string reason)
    {
        if (Interlocked.Exchange(ref _lost, 1) == 0)
        {
            LogLost(_endpoint, reason);
        }
    }

    private void Restored()
    {
        if (Multiplexer.IsConnected && Interlocked.Exchange(ref _lost, 0) == 1)
        {
            LogRestored(_endpoint);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning,
        Message = "Redis at {Endpoint} is unreachable ({Reason}): this process uses its own breakers, health and limits until it is back.")]
    private partial void LogLost(string endpoint, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Redis at {Endpoint} is back: breakers, health and limits are shared again.")]
    private partial void LogRestored(string endpoint);
}
