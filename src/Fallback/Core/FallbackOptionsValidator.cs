using AgentHost.Backends;
using Microsoft.Extensions.Options;

namespace AgentHost.Fallback.Core;

/// <summary>Checks the fallback options at start: the order names registered backends, timeouts and breaker settings are sane.</summary>
internal sealed class FallbackOptionsValidator(IEnumerable<BackendDescriptor> descriptors) : IValidateOptions<FallbackOptions>
{
    public ValidateOptionsResult Validate(string? name, FallbackOptions options)
    {
        var failures = new List<string>();
        FallbackOrder.Resolve(options, descriptors, out var orderError);
        if (orderError is not null)
        {
            failures.Add(orderError);
        }

        foreach (var (backend, resilience) in options.Backends.Select(kv => (kv.Key, kv.Value)).Prepend(("defaults", options.Resilience)))
        {
            if (resilience.BreakerFailureRatio is <= 0 or > 1)
            {
                failures.Add($"{FallbackOptions.SectionName}: BreakerFailureRatio of {backend} must be in (0, 1].");
            }

            if (resilience.BreakerSamplingDuration is { } s && s < TimeSpan.FromMilliseconds(500) || resilience.BreakerBreakDuration is { } b && b < TimeSpan.FromMilliseconds(500))
            {
                failures.Add($"{FallbackOptions.SectionName}: breaker durations of {backend} must be at least 500 ms.");
            }

            if (resilience.AttemptTimeout is { } t && t > TimeSpan.Zero && t < TimeSpan.FromMilliseconds(10))
            {
                failures.Add($"{FallbackOptions.SectionName}: AttemptTimeout of {backend} must be at least 10 ms (or 0 for off).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
