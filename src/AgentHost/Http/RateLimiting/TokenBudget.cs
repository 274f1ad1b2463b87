using System.Collections.Concurrent;
using AgentHost.Hosting;
using StackExchange.Redis;

namespace AgentHost.Http;

/// <summary>
/// Tokens each caller used in its current minute, for <see cref="RateLimitOptions.TokensPerMinute"/>: read before a
/// call is admitted, added to when it ends. A caller's minute starts with the first tokens counted in it (a fixed
/// window, as Redis' request window). In Redis when the fleet shares one (<c>{prefix}tpm:{caller}</c>, expiring at
/// the minute's end), in this process while it is not or cannot be reached.
/// </summary>
internal sealed partial class TokenBudget(TimeProvider time, ILogger<TokenBudget> logger, RedisConnection? redis = null)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    // Adds the tokens and starts the minute when the key is new; returns nothing (the count is read before a call).
    private static readonly LuaScript Charge = LuaScript.Prepare(
        "local v = redis.call('INCRBY', @key, @tokens) if v == tonumber(@tokens) then redis.call('PEXPIRE', @key, @window) end return v");

    private readonly ConcurrentDictionary<string, Counter> _local = new(StringComparer.Ordinal);

    /// <summary>The tokens <paramref name="caller"/> used in its minute, and how long until the minute ends.</summary>
    public async ValueTask<(long Used, TimeSpan Left)> UsedAsync(string caller)
    {
        if (redis is { IsConnected: true })
        {
            try
            {
                var db = redis.Multiplexer.GetDatabase();
                var key = Key(caller);
                var used = db.StringGetAsync(key);
                var left = db.KeyTimeToLiveAsync(key);
                return ((long?)await used.ConfigureAwait(false) ?? 0, await left.ConfigureAwait(false) ?? TimeSpan.Zero);
            }
            catch (RedisException e)
            {
                LogRedisFailed(caller, e.Message);
            }
        }

        var now = time.GetUtcNow();
        return _local.TryGetValue(caller, out var counter) && counter.Ends > now ? (Volatile.Read(ref counter.Count), counter.Ends - now) : (0, TimeSpan.Zero);
    }

    /// <summary>Adds a finished call's <paramref name="tokens"/> to <paramref name="caller"/>'s minute.</summary>
    public async ValueTask ChargeAsync(string caller, long tokens)
    {
        if (tokens <= 0)
        {
            return;
        }

        if (redis is { IsConnected: true })
        {
            try
            {
                await redis.Multiplexer.GetDatabase().ScriptEvaluateAsync(Charge,
                    new { key = Key(caller), tokens, window = (long)Window.TotalMilliseconds }).ConfigureAwait(false);
                return;
            }
            catch (RedisException e)
            {
                LogRedisFailed(caller, e.Message);
            }
        }

        var now = time.GetUtcNow();
        var counter = _local.AddOrUpdate(caller, _ => new Counter(now + Window), (_, c) => c.Ends > now ? c : new Counter(now + Window));
        Interlocked.Add(ref counter.Count, tokens);
    }

    private RedisKey Key(string caller) => $"{redis!.KeyPrefix}tpm:{caller}";

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "Token budget of {Caller}: Redis failed ({Reason}); counted in this process.")]
    private partial void LogRedisFailed(string caller, string reason);

    private sealed class Counter(DateTimeOffset ends)
    {
        public readonly DateTimeOffset Ends = ends;
        public long Count;
    }
}
