using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace AgentHost.Models;

/// <summary>A pull that did not produce a verified file: one line a person can act on.</summary>
internal sealed class ModelDownloadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Downloads one file over a hub's <c>resolve</c> scheme, as Hugging Face serves it: the hub answers large files with a
/// redirect to its CDN carrying the file's sha256 in <c>X-Linked-Etag</c> and its size in <c>X-Linked-Size</c> (the
/// CDN's own <c>ETag</c> is not the hash). The body goes to <c>&lt;file&gt;.part</c>; a cut download resumes from there
/// with a <c>Range</c> request; the file is checked against the sha256 when the hub gives one and moved into place only
/// when whole. <c>HF_TOKEN</c> is sent to the hub's <c>resolve</c> URL only, never along the redirect (the CDN URL is signed).
/// </summary>
internal sealed class ModelDownloader(HttpClient http, string? token)
{
    public const string PartSuffix = ".part";
    private const int MaxRedirects = 5;

    /// <summary>What a pull produced.</summary>
    public sealed record Result(string Path, long Size, string? Sha256, bool Resumed);

    /// <summary>Downloads <paramref name="url"/> to <paramref name="destination"/>; <paramref name="progress"/> gets (received, total).</summary>
    public async Task<Result> DownloadAsync(Uri url, string destination, Action<long, long?>? progress, CancellationToken cancellationToken)
    {
        var part = destination + PartSuffix;
        var existing = File.Exists(part) ? new FileInfo(part).Length : 0;
        var (response, sha256, linkedSize) = await SendAsync(url, existing, cancellationToken);
        using (response)
        {
            var resumed = existing > 0 && response.StatusCode == HttpStatusCode.PartialContent;
            if (!resumed)
            {
                existing = 0; // a 200 is the whole file: start over
            }

            var total = linkedSize ?? (response.Content.Headers.ContentLength is { } length ? length + existing : null);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using var file = new FileStream(part, resumed ? FileMode.Open : FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
            if (resumed)
            {
                await HashExistingAsync(file, hash, cancellationToken);
            }

            var received = existing;
            progress?.Invoke(received, total);
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    hash.AppendData(buffer, 0, read);
                    received += read;
                    progress?.Invoke(received, total);
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw Cut(destination, received, total, e);
            }

            if (total is { } expected && received != expected)
            {
                throw Cut(destination, received, total, null);
            }

            await file.FlushAsync(cancellationToken);
            file.Close();
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (sha256 is not null && !actual.Equals(sha256, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(part);
                throw new ModelDownloadException(
                    $"Checksum mismatch for {Path.GetFileName(destination)}: the hub says sha256 {sha256}, the download is {actual}; the partial file was removed, pull again.");
            }

            File.Move(part, destination, overwrite: true);
            return new Result(destination, received, sha256 is null ? null : actual, resumed);
        }
    }

    private async Task<(HttpResponseMessage Response, string? Sha256, long? Size)> SendAsync(Uri url, long offset, CancellationToken cancellationToken)
    {
        string? sha256 = null;
        long? size = null;
        var hub = url;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (token is { Length: > 0 } && hop == 0)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            if (offset > 0)
            {
                request.Headers.Range = new RangeHeaderValue(offset, null);
            }

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                throw new ModelDownloadException($"Cannot reach {url.GetLeftPart(UriPartial.Authority)}: {e.Message}", e);
            }

            sha256 ??= Sha256(response);
            size ??= response.Headers.TryGetValues("X-Linked-Size", out var sizes) && long.TryParse(sizes.First(), out var s) ? s : null;
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                response.Dispose();
                if (hop == MaxRedirects)
                {
                    throw new ModelDownloadException($"Too many redirects from {hub}.");
                }

                url = location.IsAbsoluteUri ? location : new Uri(url, location);
                continue;
            }

            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && offset > 0)
            {
                response.Dispose();
                offset = 0; // the partial file is not a prefix of this one: start over
                url = hub;
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                response.Dispose();
                throw new ModelDownloadException(status switch
                {
                    401 or 403 => $"{hub} answered {status}: the file needs access (set HF_TOKEN to a token that has it).",
                    404 => $"{hub} answered 404: no such file (check the owner, repository, file name and revision).",
                    _ => $"{hub} answered {status}.",
                });
            }

            return (response, sha256, size);
        }
    }

    /// <summary>Hugging Face's <c>X-Linked-Etag</c> (quoted, maybe weak), when it is a sha256.</summary>
    private static string? Sha256(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("X-Linked-Etag", out var values))
        {
            return null;
        }

        var value = values.First().Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal))
        {
            value = value[2..];
        }

        value = value.Trim('"');
        return value.Length == 64 && value.All(Uri.IsHexDigit) ? value.ToLowerInvariant() : null;
    }

    private static async Task HashExistingAsync(FileStream file, IncrementalHash hash, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await file.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }
    }

    private static ModelDownloadException Cut(string destination, long received, long? total, Exception? inner) => new(
        $"Download of {Path.GetFileName(destination)} was cut at {ModelSizes.Format(received)}"
        + (total is { } t ? $" of {ModelSizes.Format(t)}" : "")
        + "; run the same pull again to resume.",
        inner);
}

/// <summary>Sizes as people read them.</summary>
internal static class ModelSizes
{
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.0} KB",
        _ => $"{bytes} B",
    };
}
