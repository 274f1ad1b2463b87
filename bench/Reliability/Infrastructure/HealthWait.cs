using System.Diagnostics;
using System.Text.Json;

namespace AgentHost.Bench.Reliability.Infrastructure;

/// <summary>Waits for a gateway's <c>/health</c> to report backends healthy: a suite's precondition.</summary>
internal static class HealthWait
{
    /// <summary>Whether every wanted backend was reported healthy in time, and the last thing <c>/health</c> said (the evidence when not).</summary>
    internal readonly record struct Result(bool Healthy, string Last)
    {
        public static implicit operator bool(Result r) => r.Healthy;
    }

    public static async Task<Result> UntilHealthyAsync(HttpClient http, Uri baseAddress, IEnumerable<string> backends, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var wanted = backends.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var clock = Stopwatch.StartNew();
        var last = "no answer from /health";
        while (clock.Elapsed < timeout)
        {
            try
            {
                var health = await http.GetStringAsync(new Uri(baseAddress, "health"), cancellationToken);
                last = health.Length <= 400 ? health : health[..400] + "…";
                using var doc = JsonDocument.Parse(health);
                var healthy = doc.RootElement.GetProperty("backends").EnumerateArray()
                    .Where(b => b.GetProperty("health").GetString() == "healthy")
                    .Select(b => b.GetProperty("name").GetString()!)
                    .ToHashSet(StringComparer.OrdinalIgnoreCase);
                if (wanted.IsSubsetOf(healthy))
                {
                    return new Result(true, last);
                }
            }
            catch (HttpRequestException e)
            {
                last = $"/health failed: {e.Message}";
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                last = $"/health is not the host's shape: {last}";
            }

            await Task.Delay(50, cancellationToken);
        }

        return new Result(false, last);
    }

    /// <summary>
    /// A suite's precondition: when <paramref name="result"/> is not healthy, records the violation
    /// <c>precondition failed</c> with what <c>/health</c> said, and returns false (the suite then stops: its figures
    /// would say nothing).
    /// </summary>
    public static bool Require(Findings findings, Result result, string what)
    {
        if (result.Healthy)
        {
            return true;
        }

        findings.Violation("precondition failed", $"{what}; /health said: {result.Last}");
        return false;
    }
}
