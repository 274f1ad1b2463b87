using System.Net;
using Microsoft.Extensions.Options;

namespace AgentHost.Http;

/// <summary>Settings of the HTTP service (<c>serve</c>), bound from <c>AgentHost:Http</c>.</summary>
internal sealed class HttpServiceOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "AgentHost:Http";

    /// <summary>The address the service listens on when none is configured.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8080";

    /// <summary>Where to listen: one or more URLs separated by <c>;</c>. <c>serve --urls</c> overrides it.</summary>
    public string Urls { get; set; } = DefaultUrls;

    /// <summary>
    /// When set, every API route asks for <c>Authorization: Bearer &lt;key&gt;</c> (the chat page's files stay open).
    /// Required when <see cref="Urls"/> reaches beyond loopback.
    /// </summary>
    public string? ApiKey { get; set; }

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

    /// <summary>The URLs, split.</summary>
    public IReadOnlyList<string> UrlList =>
        [.. Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

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
}

/// <summary>Checks <see cref="HttpServiceOptions"/> at start: the URLs parse, the body limit is positive, and no
/// address beyond loopback is served without an API key.</summary>
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
            else if (!HttpServiceOptions.IsLoopback(url) && string.IsNullOrWhiteSpace(options.ApiKey))
            {
                failures.Add($"refusing to listen on {url} (beyond loopback) without an API key; set AgentHost:Http:ApiKey (env AgentHost__Http__ApiKey) or listen on 127.0.0.1.");
            }
        }

        if (options.ProgressAfter < TimeSpan.Zero)
        {
            failures.Add("AgentHost:Http:ProgressAfter must not be negative.");
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
