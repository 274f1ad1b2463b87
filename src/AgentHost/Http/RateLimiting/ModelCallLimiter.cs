using System.Diagnostics;
using System.Threading.RateLimiting;
using AgentHost.Hosting;
using RedisRateLimiting;
using StackExchange.Redis;

namespace AgentHost.Http;

/// <summary>
/// One caller's limits on model calls (an ASP.NET Core rate-limiting partition): first the minute's token budget
/// (<see cref="TokenBudget"/>), then a request permit, from Redis' fixed window when the fleet shares one
/// (<see cref="RedisFixedWindowRateLimiter{TKey}"/>, so every replica counts against one budget) or from this process's
/// <see cref="FixedWindowRateLimiter"/> otherwise, and while Redis is lost. Its leases say which limit refused and when
/// to try again (<see cref="ModelCallLease"/>).
/// </summary>
internal sealed class ModelCallLimiter : RateLimiter
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly string _caller;
    private readonly RateLimitOptions _options;
    private readonly TokenBudget _budget;
    private readonly RedisConnection? _redis;
    private readonly FixedWindowRateLimiter? _local;
    private readonly RedisFixedWindowRateLimiter<string>? _fleet;
    private long _lastUsed = Stopwatch.GetTimestamp();

    public ModelCallLimiter(string caller, RateLimitOptions options, TokenBudget budget, RedisConnection? redis)
    {
        _caller = caller;
        _options = options;
        _budget = budget;
        _redis = redis;
        if (options.RequestsPerMinute > 0)
        {
            _local = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
            {
                PermitLimit = options.RequestsPerMinute,
                Window = Window,
                QueueLimit = 0,
                AutoReplenishment = true,
            });
            if (redis is not null)
            {
                _fleet = new RedisFixedWindowRateLimiter<string>($"{redis.KeyPrefix}rpm:{caller}", new RedisFixedWindowRateLimiterOptions
                {
                    PermitLimit = options.RequestsPerMinute,
                    Window = Window,
                    ConnectionMultiplexerFactory = () => redis.Multiplexer,
                });
            }
        }
    }

    public override TimeSpan? IdleDuration => _local is not null ? _local.IdleDuration : Stopwatch.GetElapsedTime(Volatile.Read(ref _lastUsed));

    public override RateLimiterStatistics? GetStatistics() => _local?.GetStatistics();

    /// <summary>Says "not at once" whenever a limit needs a look (the middleware then awaits <see cref="AcquireAsyncCore"/>).</summary>
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => ModelCallLease.NotYet;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _lastUsed, Stopwatch.GetTimestamp());
        if (_options.TokensPerMinute > 0)
        {
            var (used, left) = await _budget.UsedAsync(_caller).ConfigureAwait(false);
            if (used >= _options.TokensPerMinute)
            {
                return ModelCallLease.Refused(ModelCallLease.Tokens, _options.TokensPerMinute, left);
            }
        }

        return _local is null ? ModelCallLease.Granted : await AcquireRequestAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<RateLimitLease> AcquireRequestAsync(CancellationToken cancellationToken)
    {
        if (_fleet is not null && _redis is { IsConnected: true })
        {
            try
            {
                using var fleet = await _fleet.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
                return fleet.IsAcquired
                    ? ModelCallLease.Granted
                    : ModelCallLease.Refused(ModelCallLease.Requests, _options.RequestsPerMinute,
                        fleet.TryGetMetadata(MetadataName.RetryAfter.Name, out var seconds) && seconds is int s ? TimeSpan.FromSeconds(s) : Window);
            }
            catch (RedisException)
            {
                // Redis went away between the check and the call (RedisConnection logs the loss once): count in this process.
            }
        }

        using var local = _local!.AttemptAcquire(1);
        return local.IsAcquired
            ? ModelCallLease.Granted
            : ModelCallLease.Refused(ModelCallLease.Requests, _options.RequestsPerMinute, local.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : Window);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _local?.Dispose();
            _fleet?.Dispose();
        }

        base.Dispose(disposing);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        if (_local is not null)
        {
            await _local.DisposeAsync().ConfigureAwait(false);
        }

        if (_fleet is not null)
        {
            await _fleet.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsyncCore().ConfigureAwait(false);
    }
}

/// <summary>A model call's permit, or the limit that refused it (<see cref="Requests"/> or <see cref="Tokens"/>) and when to try again.</summary>
internal sealed class ModelCallLease : RateLimitLease
{
    public const string Requests = "requests";
    public const string Tokens = "tokens";

    private ModelCallLease(bool acquired, string? limit, int permitLimit, TimeSpan? retryAfter)
    {
        IsAcquired = acquired;
        Limit = limit;
        PermitLimit = permitLimit;
        RetryAfter = retryAfter;
    }

    public static ModelCallLease Granted { get; } = new(true, null, 0, null);

    /// <summary>Not decided without a look at the limits (for <c>AttemptAcquire</c>).</summary>
    public static ModelCallLease NotYet { get; } = new(false, null, 0, null);

    public override bool IsAcquired { get; }

    /// <summary>Which limit refused: <see cref="Requests"/> or <see cref="Tokens"/>.</summary>
    public string? Limit { get; }

    /// <summary>The refusing limit's size per minute.</summary>
    public int PermitLimit { get; }

    /// <summary>When the caller may try again.</summary>
    public TimeSpan? RetryAfter { get; }

    public override IEnumerable<string> MetadataNames => RetryAfter is null ? [] : [MetadataName.RetryAfter.Name];

    public static ModelCallLease Refused(string limit, int permitLimit, TimeSpan retryAfter) =>
        new(false, limit, permitLimit, retryAfter < TimeSpan.Zero ? TimeSpan.Zero : retryAfter);

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        metadata = metadataName == MetadataName.RetryAfter.Name ? RetryAfter : null;
        return metadata is not null;
    }
}
