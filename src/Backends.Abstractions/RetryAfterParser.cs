using System.Net.Http.Headers;

namespace AgentHost.Backends;

/// <summary>Reads a <c>Retry-After</c> header in either of its forms (seconds or an HTTP date).</summary>
public static class RetryAfterParser
{
    /// <summary>The delay the response asks for, or <see langword="null"/> when it asks for none.</summary>
    public static TimeSpan? Parse(HttpResponseHeaders headers, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var retryAfter = headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - (timeProvider ?? TimeProvider.System).GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }
}
