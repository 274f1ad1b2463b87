namespace AgentHost.Fallback.Core;

/// <summary>The resilience settings in force for one backend: its overrides over the defaults over the built-in values.</summary>
/// <remarks><see cref="StreamIdleTimeout"/>: null = the backend's declared longest stream gap, else the default; zero = off.</remarks>
internal sealed record BackendResilienceSettings(
    TimeSpan? AttemptTimeout,
    TimeSpan? FirstTokenTimeout,
    TimeSpan? StreamIdleTimeout,
    int MaxRetryAttempts,
    TimeSpan RetryDelay,
    TimeSpan MaxRetryAfterWait,
    double BreakerFailureRatio,
    int BreakerMinimumThroughput,
    TimeSpan BreakerSamplingDuration,
    TimeSpan BreakerBreakDuration)
{
    public static BackendResilienceSettings Resolve(BackendResilienceOptions defaults, BackendResilienceOptions? overrides)
    {
        var builtIn = BackendResilienceOptions.CreateDefaults();
        T Pick<T>(Func<BackendResilienceOptions, T?> get) where T : struct => (overrides is null ? null : get(overrides)) ?? get(defaults) ?? get(builtIn)!.Value;
        static TimeSpan? Off(TimeSpan t) => t <= TimeSpan.Zero ? null : t;

        return new BackendResilienceSettings(
            Off(Pick(o => o.AttemptTimeout)),
            Off(Pick(o => o.FirstTokenTimeout)),
            overrides?.StreamIdleTimeout ?? defaults.StreamIdleTimeout,
            Math.Max(0, Pick(o => o.MaxRetryAttempts)),
            Pick(o => o.RetryDelay),
            Pick(o => o.MaxRetryAfterWait),
            Pick(o => o.BreakerFailureRatio),
            Pick(o => o.BreakerMinimumThroughput),
            Pick(o => o.BreakerSamplingDuration),
            Pick(o => o.BreakerBreakDuration));
    }
}
