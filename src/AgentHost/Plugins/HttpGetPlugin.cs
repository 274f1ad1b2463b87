using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;

namespace AgentHost.Plugins;

/// <summary>
/// The <c>http</c> plugin: GET of a URL whose host is in <see cref="HttpPluginOptions.AllowedHosts"/>, through the
/// <see cref="IHttpClientFactory"/> client <see cref="HttpClientName"/> (which never follows redirects itself: each
/// redirect is checked against the allow-list here). Text only, cut at <see cref="HttpPluginOptions.MaxResponseBytes"/>,
/// bounded by <see cref="HttpPluginOptions.Timeout"/>.
/// </summary>
internal sealed partial class HttpGetPlugin(IHttpClientFactory httpClientFactory, HttpPluginOptions options, TimeProvider timeProvider, ILogger<HttpGetPlugin> logger)
{
    /// <summary>The plugin's name as agents list it.</summary>
    public const string PluginName = "http";

    /// <summary>The name of the HttpClient the plugin uses.</summary>
    public const string HttpClientName = "AgentHost.Plugins.Http";

    /// <summary>Fetches a URL.</summary>
    [KernelFunction("get")]
    [Description("Fetches a web page or API response with HTTP GET and returns the status line and the text of the body. Only hosts on the configured allow-list can be reached.")]
    public async Task<string> GetAsync([Description("The absolute http:// or https:// URL.")] string url, CancellationToken cancellationToken = default)
    {
        if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new PluginRefusalException($"'{url}' is not an absolute http:// or https:// URL.");
        }

        EnsureAllowed(uri, redirectedFrom: null);
        using var timeout = new CancellationTokenSource(options.Timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var client = httpClientFactory.CreateClient(HttpClientName);
        try
        {
            for (var redirects = 0; ; redirects++)
            {
                LogGet(logger, uri);
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
                if (IsRedirect(response.StatusCode) && response.Headers.Location is { } location)
                {
                    if (redirects >= options.MaxRedirects)
                    {
                        throw new PluginRefusalException($"GET {url} was redirected more than {options.MaxRedirects} times; stopped at {uri}.");
                    }

                    var next = location.IsAbsoluteUri ? location : new Uri(uri, location);
                    EnsureAllowed(next, redirectedFrom: uri);
                    uri = next;
                    continue;
                }

                return await ReadAsync(uri, response, linked.Token);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"GET {uri} did not complete within {options.Timeout.TotalSeconds:0.###} s (AgentHost:Plugins:Http:Timeout)."));
        }
        catch (HttpRequestException e)
        {
            throw new PluginRefusalException($"GET {uri} failed: {e.Message}");
        }
    }

    /// <summary>Whether <paramref name="uri"/>'s host (and port, when an entry names one) is on the allow-list.</summary>
    public bool IsAllowed(Uri uri)
    {
        var host = uri.IdnHost.TrimEnd('.');
        foreach (var raw in options.AllowedHosts)
        {
            var entry = raw.Trim().TrimEnd('.');
            int? port = null;
            var colon = entry.LastIndexOf(':');
            if (colon > 0 && entry.IndexOf(':') == colon && int.TryParse(entry[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var p))
            {
                port = p;
                entry = entry[..colon];
            }

            var hostMatches = entry.StartsWith("*.", StringComparison.Ordinal)
                ? host.EndsWith(entry[1..], StringComparison.OrdinalIgnoreCase)
                : host.Equals(entry, StringComparison.OrdinalIgnoreCase);
            if (hostMatches && (port is null || port == uri.Port))
            {
                return true;
            }
        }

        return false;
    }

    private void EnsureAllowed(Uri uri, Uri? redirectedFrom)
    {
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new PluginRefusalException($"{redirectedFrom} redirected to '{uri}', which is not an http:// or https:// URL; not followed.");
        }

        if (IsAllowed(uri))
        {
            return;
        }

        LogRefused(logger, uri.Host);
        var allowed = options.AllowedHosts.Count == 0 ? "no host is allowed" : "allowed: " + string.Join(", ", options.AllowedHosts);
        throw new PluginRefusalException(redirectedFrom is null
            ? $"Refused: host '{uri.Host}' is not on the allow-list (AgentHost:Plugins:Http:AllowedHosts; {allowed})."
            : $"Refused: {redirectedFrom} redirected to host '{uri.Host}', which is not on the allow-list ({allowed}); not followed.");
    }

    private async Task<string> ReadAsync(Uri uri, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is not null && !IsText(mediaType))
        {
            throw new PluginRefusalException($"GET {uri} returned '{mediaType}', which is not text; only text, JSON and XML can be read.");
        }

        var cap = options.MaxResponseBytes;
        var buffer = new byte[cap + 1];
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var read = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        var cut = read > cap;
        var length = Math.Min(read, cap);
        if (mediaType is null && Array.IndexOf(buffer, (byte)0, 0, length) >= 0)
        {
            throw new PluginRefusalException($"GET {uri} returned binary data; only text can be read.");
        }

        var encoding = Encoding.UTF8;
        if (response.Content.Headers.ContentType?.CharSet is { Length: > 0 } charset)
        {
            try
            {
                encoding = Encoding.GetEncoding(charset.Trim('"'));
            }
            catch (ArgumentException)
            {
            }
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase} from {uri}\n\n");
        text.Append(encoding.GetString(buffer, 0, length).TrimEnd('\uFFFD'));
        if (cut)
        {
            var total = response.Content.Headers.ContentLength is { } l ? $"{l} bytes" : "longer";
            text.Append(CultureInfo.InvariantCulture, $"\n[... cut: the body is {total}; only the first {cap} bytes are shown]");
        }

        return text.ToString();
    }

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool IsText(string mediaType) =>
        mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
        || mediaType.EndsWith("/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
        || mediaType.EndsWith("/xml", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+xml", StringComparison.OrdinalIgnoreCase)
        || mediaType.Equals("application/javascript", StringComparison.OrdinalIgnoreCase)
        || mediaType.Equals("application/x-ndjson", StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "http plugin: GET {Uri}")]
    private static partial void LogGet(ILogger logger, Uri uri);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "http plugin: refused host {Host} (not on AgentHost:Plugins:Http:AllowedHosts)")]
    private static partial void LogRefused(ILogger logger, string host);
}
