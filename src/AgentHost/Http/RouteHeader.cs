using AgentHost.Fallback;

namespace AgentHost.Http;

/// <summary>
/// The <c>x-agent-route</c> response header: the route that served the request and what chose it, as
/// <c>&lt;route&gt;; chosen-by=&lt;who&gt;</c>, e.g. <c>local; chosen-by=caller</c>, <c>default; chosen-by=rule:code-model</c>,
/// <c>ask; chosen-by=semantic</c>, <c>default; chosen-by=default</c>. A caller's concrete model is its own route
/// (<c>qwen2.5:7b; chosen-by=caller</c>). Characters outside printable ASCII, and <c>;</c>, are percent-encoded.
/// </summary>
internal static class RouteHeader
{
    /// <summary>The header name.</summary>
    public const string Name = "x-agent-route";

    /// <summary>The header value for <paramref name="report"/>, or <see langword="null"/> when it names no route.</summary>
    public static string? Format(FallbackReport? report) =>
        report?.Route is { Length: > 0 } route ? $"{Encode(route)}; chosen-by={Encode(report.ChosenBy ?? FallbackRouteDecision.ByDefault)}" : null;

    /// <summary>The header that says an answer came from the route's cache (<c>x-agent-cache: hit</c>).</summary>
    public const string CacheHeader = "x-agent-cache";

    /// <summary>Sets the header from <paramref name="report"/> unless the response has started or the report names no route; and <see cref="CacheHeader"/> for a cached answer.</summary>

    public static void Set(HttpResponse response, FallbackReport? report)
    {
        if (!response.HasStarted && Format(report) is { } value)
        {
            response.Headers[Name] = value;
        }

        if (!response.HasStarted && report is { Cached: true })
        {
            response.Headers[CacheHeader] = "hit"; // served from the route's cache: no backend was asked
        }
    }

    private static string Encode(string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or > '~' or ';' or '%')
            {
                return Uri.EscapeDataString(value);
            }
        }

        return value;
    }

    /// <summary>The route and chooser back from a header value (for tests and clients).</summary>
    public static (string Route, string ChosenBy)? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var parts = value.Split(';', 2, StringSplitOptions.TrimEntries);
        const string prefix = "chosen-by=";
        return parts.Length == 2 && parts[1].StartsWith(prefix, StringComparison.Ordinal)
            ? (Uri.UnescapeDataString(parts[0]), Uri.UnescapeDataString(parts[1][prefix.Length..]))
            : null;
    }
}
