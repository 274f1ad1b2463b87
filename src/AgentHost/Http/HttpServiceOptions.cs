using System.Net;
using Microsoft.Extensions.Options;

namespace AgentHost.Http;

/// <summary>Settings of the HTTP service (<c>serve</c>), bound from <c>AgentHost:Http</c>.</summary>
internal sealed partial class HttpServiceOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "AgentHost:Http";

    /// <summary>The address the service listens on when none is configured.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8080";

    /// <summary>Where to listen: one or more URLs separated by <c>;</c>. <c>serve --urls</c> overrides it.</summary>
    public string Urls { get; set; } = DefaultUrls;

    /// <summary>
    /// Also listen on this port, on the same addresses as <see cref="Urls"/> (<c>serve --ollama-port 11434</c>), so an Ollama
    /// client that cannot change its URL reaches the host: every route, key and limit is the same on both ports.
    /// </summary>
    public int? OllamaPort { get; set; }

    /// <summary>
    /// When set, every API route asks for <c>Authorization: Bearer &lt;key&gt;</c> (the chat page's files stay open).
    /// Required when <see cref="Urls"/> reaches beyond loopback.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// More keys, each accepted like <see cref="ApiKey"/> (<c>ApiKeys:0</c>, <c>ApiKeys:1</c>, … or one string with <c>;</c>),
    /// so each client or team has its own, with its own rate limit, and one can be withdrawn without the others.
    /// </summary>
    public IList<string> ApiKeys { get; set; } = [];

    /// <summary>Rate limits per API key (per client address when no key is set); off when nothing is set.</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Every accepted key: <see cref="ApiKey"/> and <see cref="ApiKeys"/>, trimmed, without empties or repeats.</summary>
    public IReadOnlyList<string> AcceptedApiKeys =>
        [.. new[] { ApiKey }.Concat(ApiKeys).Select(k => k?.Trim()).Where(k => !string.IsNullOrEmpty(k)).Distinct(StringComparer.Ordinal)!];

    /// <summary>
    /// Names accepted as the <c>Host</c> header besides <see cref="LoopbackHostNames"/> and the hosts named in
    /// <see cref="Urls"/>, without scheme or port (<c>myhost.lan</c>, <c>192.168.1.20</c>, <c>*.example.com</c>); any other
    /// <c>Host</c> is answered 400 (ASP.NET Core's host filtering), which defeats DNS rebinding. Required when a URL
    /// listens on every address (<c>0.0.0.0</c>, <c>[::]</c>, <c>+</c>, <c>*</c>). A list, or one string with <c>;</c> between names.
    /// </summary>
    public IList<string> AllowedHosts { get; set; } = [];

    /// <summary>
    /// Origins (<c>scheme://host[:port]</c>) of web front ends allowed to call the service from a browser, e.g. a dev server
    /// at <c>http://localhost:5173</c>: CORS preflights from them are answered and their requests are served. A request
    /// whose <c>Origin</c> is neither one of these nor the service's own is answered 403. A list, or one string with <c>;</c>.
    /// </summary>
    public IList<string> AllowedOrigins { get; set; } = [];

    /// <summary>The largest request body accepted; a larger one is answered 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Streaming: how long the chain may keep looking for a backend, after its first failure or skip, before the SSE
    /// stream starts telling so in comments (<c>: agent-host: Mlx failed (…) → trying Ollama</c>). A failover that
    /// answers sooner sends none, so its status, <c>x-agent-backend</c> and <c>x-agent-route</c> headers are the final
    /// ones; once comments have gone out the status is 200 and the backend is named in the body only. Zero: at once.
    /// </summary>
    public TimeSpan ProgressAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The model id that names the chain itself in <c>/v1/models</c> and answers nothing else.</summary>
    public string ChainModelId { get; set; } = "agent-host";

    /// <summary>The names the loopback service is reached by; always accepted as <c>Host</c>, and as its own origin on its port.</summary>
    public static readonly IReadOnlyList<string> LoopbackHostNames = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>Every name accepted as <c>Host</c>: <see cref="LoopbackHostNames"/>, the explicit hosts of <see cref="Urls"/>, <see cref="AllowedHosts"/>.</summary>
    public IReadOnlyList<string> AcceptedHostNames =>
        [.. LoopbackHostNames.Concat(UrlList.Select(ListenHost).OfType<string>()).Concat(AllowedHosts.Select(NormalizeHost))
            .Where(h => h.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>The URLs, split.</summary>
    public IReadOnlyList<string> UrlList =>
        [.. Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>Every address to listen on: <see cref="UrlList"/>, then each of them on <see cref="OllamaPort"/> when set.</summary>
    public IReadOnlyList<string> ListenUrls =>
        OllamaPort is { } port ? [.. UrlList.Concat(UrlList.Select(u => WithPort(u, port))).Distinct(StringComparer.OrdinalIgnoreCase)] : UrlList;

    /// <summary><paramref name="url"/> with its port replaced by <paramref name="port"/> (<c>http://127.0.0.1:8080</c> → <c>http://127.0.0.1:11434</c>).</summary>
    public static string WithPort(string url, int port)
    {
        var match = HostAndPort().Match(url);
        return match.Success ? $"{match.Groups["head"].Value}:{port}{match.Groups["rest"].Value}" : url;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<head>[a-zA-Z][a-zA-Z0-9+.-]*://(\[[^\]]*\]|[^:/\[]+))(:\d*)?(?<rest>.*)$")]
    private static partial System.Text.RegularExpressions.Regex HostAndPort();

    /// <summary>Whether <paramref name="url"/> listens on loopback only (127.0.0.0/8, ::1 or <c>localhost</c>).</summary>
    public static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal),
                UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>Whether <paramref name="host"/> (a <c>Host</c> or origin host, IPv6 in brackets or not) names the loopback interface.</summary>
    public static bool IsLoopbackName(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary>The host <paramref name="url"/> names, or null when it listens on every address (<c>0.0.0.0</c>, <c>[::]</c>, <c>+</c>, <c>*</c>).</summary>
    public static string? ListenHost(string url)
    {
        if (url.Contains("://+", StringComparison.Ordinal) || url.Contains("://*", StringComparison.Ordinal)
            || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return null;
        }

        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
            ? null
            : uri.Host;
    }

    /// <summary>A configured host name as host filtering wants it: trimmed, an IPv6 address in brackets.</summary>
    public static string NormalizeHost(string host)
    {
        var name = host.Trim();
        return name.Contains(':', StringComparison.Ordinal) && !name.StartsWith('[') && IPAddress.TryParse(name, out _) ? $"[{name}]" : name;
    }

    /// <summary>A configured origin as browsers send it (<c>http://localhost:5173</c>: lower case, no default port, no slash), or null when it is not one.</summary>
    public static string? NormalizeOrigin(string origin) =>
        Uri.TryCreate(origin.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.AbsolutePath == "/"
            && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0 && !origin.Contains('*', StringComparison.Ordinal)
            ? uri.GetLeftPart(UriPartial.Authority)
            : null;
}

/// <summary>Checks <see cref="HttpServiceOptions"/> at start: the URLs parse, the body limit is positive, no address beyond
/// loopback is served without an API key or without the names clients use, and the allowed hosts and origins are ones.</summary>
internal sealed class HttpServiceOptionsValidator : IValidateOptions<HttpServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpServiceOptions options)
    {
        var failures = new List<string>();
        var urls = options.UrlList;
        if (urls.Count == 0)
        {
            failures.Add("AgentHost:Http:Urls is empty; give an address such as http://127.0.0.1:8080.");
        }

        foreach (var url in urls)
        {
            var probe = url.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(probe, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                failures.Add($"'{url}' is not an http:// or https:// address to listen on.");
            }
            else
            {
                if (!HttpServiceOptions.IsLoopback(url) && options.AcceptedApiKeys.Count == 0)
                {
                    failures.Add($"refusing to listen on {url} (beyond loopback) without an API key; set AgentHost:Http:ApiKey (env AgentHost__Http__ApiKey) or listen on 127.0.0.1.");
                }

                if (HttpServiceOptions.ListenHost(url) is null && options.AllowedHosts.Count == 0)
                {
                    failures.Add($"refusing to listen on {url} (every address) without the names clients use; set AgentHost:Http:AllowedHosts " +
                        "(e.g. myhost.lan;192.168.1.20), otherwise only localhost, 127.0.0.1 and [::1] are accepted as Host.");
                }
            }
        }

        foreach (var host in options.AllowedHosts)
        {
            var normalized = HttpServiceOptions.NormalizeHost(host);
            if (normalized.Length == 0 || normalized.Contains('/', StringComparison.Ordinal) || HostString.FromUriComponent(normalized).Port is not null)
            {
                failures.Add($"AgentHost:Http:AllowedHosts: '{host}' is not a host name; give names without scheme or port (myhost.lan, 192.168.1.20, *.example.com).");
            }
        }

        foreach (var origin in options.AllowedOrigins)
        {
            if (HttpServiceOptions.NormalizeOrigin(origin) is null)
            {
                failures.Add($"AgentHost:Http:AllowedOrigins: '{origin}' is not an origin; give scheme://host[:port] (e.g. http://localhost:5173), one per front end.");
            }
        }

        if (options.OllamaPort is < 1 or > 65535)
        {
            failures.Add($"AgentHost:Http:OllamaPort must be a port between 1 and 65535 (got {options.OllamaPort}); Ollama's own is 11434.");
        }

        if (options.ProgressAfter < TimeSpan.Zero)
        {
            failures.Add("AgentHost:Http:ProgressAfter must not be negative.");
        }

        if (options.RateLimit.RequestsPerMinute < 0 || options.RateLimit.TokensPerMinute < 0)
        {
            failures.Add("AgentHost:Http:RateLimit: RequestsPerMinute and TokensPerMinute must not be negative (0 or unset: no limit).");
        }

        if (options.MaxRequestBodyBytes <= 0)
        {
            failures.Add("AgentHost:Http:MaxRequestBodyBytes must be positive.");
        }

        if (string.IsNullOrWhiteSpace(options.ChainModelId))
        {
            failures.Add("AgentHost:Http:ChainModelId must not be empty.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
