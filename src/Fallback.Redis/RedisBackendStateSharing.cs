using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace AgentHost.Fallback.Redis;

/// <summary>
/// Shares each backend's circuit and last health result through Redis (LiteLLM's way: keys per backend, a local copy
/// re-checked every second). A change made here is written under its key (<c>{prefix}breaker:{backend}</c>, JSON with the
/// break's end, whether it opened on a timeout and which replica opened it; <c>{prefix}health:{backend}</c>) and published
/// on <c>{prefix}state</c>; other replicas' changes come in on that channel and from a re-read of the keys every
/// <see cref="RedisBackendStateOptions.RecheckInterval"/>. A half-open trial is claimed with <c>SET {prefix}breaker:{backend}:trial
/// NX PX {lease}</c>. Times are absolute unix milliseconds from the <see cref="TimeProvider"/> (not Redis' TIME: it would
/// cost a round trip, and a break's length is what matters). A command that fails (Redis away) degrades to local state:
/// nothing is published, a claim is granted; the connection comes back by itself and the re-check catches up.
/// Thread-safe; one instance per chain (its replica id tells its own messages apart).
/// </summary>
public sealed partial class RedisBackendStateSharing : IBackendStateSharing, IDisposable
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisStateKeys _keys;
    private readonly RedisBackendStateOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private Subscription[] _subscriptions = [];
    private Task? _recheck;
    private int _subscribed;

    /// <summary>Creates the sharing over <paramref name="redis"/> (not owned: the caller disposes it).</summary>
    /// <param name="redis">The connection.</param>
    /// <param name="options">Key prefix, re-check interval, replica id; null: the defaults.</param>
    /// <param name="timeProvider">The clock of the values written and of the re-check; null: the system's.</param>
    /// <param name="logger">Where failed commands are logged (at debug: losing Redis is the connection owner's news); null: nowhere.</param>
    public RedisBackendStateSharing(IConnectionMultiplexer redis, RedisBackendStateOptions? options = null, TimeProvider? timeProvider = null,
        ILogger<RedisBackendStateSharing>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _redis = redis;
        _options = options ?? new RedisBackendStateOptions();
        _keys = new RedisStateKeys(_options.KeyPrefix);
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        ReplicaId = _options.ReplicaId ?? $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";
    }

    /// <summary>This replica's name in what it writes.</summary>
    public string ReplicaId { get; }

    /// <inheritdoc />
    public IDisposable Subscribe(IBackendStateObserver observer, IReadOnlyCollection<string> backends)
    {
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentNullException.ThrowIfNull(backends);
        var subscription = new Subscription(this, observer, new HashSet<string>(backends, StringComparer.OrdinalIgnoreCase));
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions, subscription];
            _recheck ??= Task.Run(() => RecheckLoopAsync(_stop.Token)); // off the caller's thread: its first step talks to Redis
        }

        return subscription;
    }

    /// <inheritdoc />
    public async ValueTask PublishCircuitAsync(SharedCircuitState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        var value = RedisStateValue.From(state, ReplicaId);
        var json = value.ToJson();
        var db = _redis.GetDatabase();
        try
        {
            if (state.Change == SharedCircuitChange.Opened && state.OpenUntil is { } until)
            {
                // Kept past the break (twice its length, at least 5 s) so a replica that comes late still sees the trial is due.
                var left = until - state.At;
                var ttl = left + (left > TimeSpan.FromSeconds(5) ? left : TimeSpan.FromSeconds(5));
                await db.StringSetAsync(_keys.Breaker(state.Backend), json, ttl).ConfigureAwait(false);
            }
            else
            {
                await db.KeyDeleteAsync(_keys.Breaker(state.Backend)).ConfigureAwait(false);
            }

            await db.KeyDeleteAsync(_keys.Trial(state.Backend)).ConfigureAwait(false); // the trial it answers is over
            await _redis.GetSubscriber().PublishAsync(_keys.Channel, json).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            LogCommandFailed(_logger, "publish the circuit of", state.Backend, ex.Message);
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryClaimTrialAsync(string backend, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(backend);
        try
        {
            return await _redis.GetDatabase().StringSetAsync(_keys.Trial(backend), ReplicaId, lease > TimeSpan.Zero ? lease : TimeSpan.FromSeconds(30), When.NotExists)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            LogCommandFailed(_logger, "claim the trial of", backend, ex.Message);
            return true; // decided locally while Redis is away
        }
    }

    /// <inheritdoc />
    public async ValueTask PublishHealthAsync(BackendHealth health, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(health);
        var json = RedisStateValue.From(health, ReplicaId).ToJson();
        try
        {
            await _redis.GetDatabase().StringSetAsync(_keys.Health(health.Backend), json, TimeSpan.FromHours(1)).ConfigureAwait(false);
            await _redis.GetSubscriber().PublishAsync(_keys.Channel, json).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            LogCommandFailed(_logger, "publish the health of", health.Backend, ex.Message);
        }
    }

    /// <summary>Stops the re-check and the subscription (the connection is the caller's; the re-check ends at its next step).</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _stop.Cancel();
        try
        {
            _redis.GetSubscriber().Unsubscribe(_keys.Channel, OnMessage, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (IsRedisFailure(ex) || ex is ObjectDisposedException)
        {
            // Redis away or the connection already disposed: nothing left to unsubscribe from.
        }

    }

    /// <summary>Reads every subscribed backend's keys now and tells the observers (the re-check does this every interval).</summary>
    internal async Task RecheckAsync()
    {
        var subscriptions = Volatile.Read(ref _subscriptions);
        var backends = subscriptions.SelectMany(s => s.Backends).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        if (backends.Length == 0)
        {
            return;
        }

        var at = _time.GetUtcNow();
        RedisKey[] keys = [.. backends.Select(_keys.Breaker), .. backends.Select(_keys.Health)];
        var values = await _redis.GetDatabase().StringGetAsync(keys).ConfigureAwait(false);
        for (var i = 0; i < backends.Length; i++)
        {
            if (RedisStateValue.Parse(values[i]) is { } breaker)
            {
                Dispatch(breaker);
            }
            else
            {
                Dispatch(new SharedCircuitState(backends[i], SharedCircuitChange.Absent, at));
            }

            if (RedisStateValue.Parse(values[backends.Length + i]) is { } health)
            {
                Dispatch(health);
            }
        }
    }

    private async Task RecheckLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.RecheckInterval, _time);
        try
        {
            do
            {
                try
                {
                    await EnsureSubscribedAsync().ConfigureAwait(false);
                    await RecheckAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (IsRedisFailure(ex))
                {
                    LogCommandFailed(_logger, "re-check", "the backends", ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    // Subscribed once it has worked; the multiplexer then re-subscribes by itself after a reconnect.
    private async Task EnsureSubscribedAsync()
    {
        if (Volatile.Read(ref _subscribed) == 0)
        {
            await _redis.GetSubscriber().SubscribeAsync(_keys.Channel, OnMessage).ConfigureAwait(false);
            Volatile.Write(ref _subscribed, 1);
        }
    }

    private void OnMessage(RedisChannel channel, RedisValue message)
    {
        if (RedisStateValue.Parse(message) is { } value)
        {
            Dispatch(value);
        }
    }

    private void Dispatch(RedisStateValue value)
    {
        if (value.Replica == ReplicaId)
        {
            return; // this instance's own
        }

        if (value.Kind == RedisStateValue.HealthKind)
        {
            if (value.ToHealth() is { } health)
            {
                foreach (var s in Volatile.Read(ref _subscriptions))
                {
                    s.Health(health);
                }
            }
        }
        else
        {
            Dispatch(value.ToCircuit());
        }
    }

    private void Dispatch(SharedCircuitState state)
    {
        foreach (var s in Volatile.Read(ref _subscriptions))
        {
            s.Circuit(state);
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions.Where(s => s != subscription)];
        }
    }

    // What a command throws while Redis is away or slow (FailFast: at once): the caller goes on with local state.
    private static bool IsRedisFailure(Exception ex) => ex is RedisException or TimeoutException;

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "Redis: could not {What} {Backend} ({Error}); local state meanwhile.")]
    private static partial void LogCommandFailed(ILogger logger, string what, string backend, string error);

    private sealed class Subscription(RedisBackendStateSharing owner, IBackendStateObserver observer, HashSet<string> backends) : IDisposable
    {
        public IReadOnlyCollection<string> Backends => backends;

        public void Circuit(SharedCircuitState state)
        {
            if (backends.Contains(state.Backend))
            {
                observer.OnCircuitShared(state);
            }
        }

        public void Health(BackendHealth health)
        {
            if (backends.Contains(health.Backend))
            {
                observer.OnHealthShared(health);
            }
        }

        public void Dispose() => owner.Remove(this);
    }
}
