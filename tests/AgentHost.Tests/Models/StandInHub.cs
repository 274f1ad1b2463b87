using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentHost.Tests.Models;

/// <summary>
/// A loopback stand-in for Hugging Face's file serving: <c>/{owner}/{repo}/resolve/{revision}/{file}</c> answers 302 to
/// its CDN path with the file's sha256 in <c>X-Linked-Etag</c> and its size in <c>X-Linked-Size</c>; the CDN serves the
/// bytes with <c>Range</c> support and an <c>ETag</c> that is not the hash. Knobs cut the body or corrupt it.
/// </summary>
internal sealed class StandInHub : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StandInHub(WebApplication app, string owner, string repo, string file, byte[] content)
    {
        _app = app;
        Owner = owner;
        Repo = repo;
        File = file;
        Content = content;
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(content));
    }

    public string Owner { get; }
    public string Repo { get; }
    public string File { get; }
    public byte[] Content { get; }
    public string Sha256 { get; }
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>When set, the CDN sends this many bytes of the body, then drops the connection.</summary>
    public long? CutAfterBytes { get; set; }

    /// <summary>When true, the CDN serves one byte changed (the hash no longer matches).</summary>
    public bool Corrupt { get; set; }

    /// <summary>The <c>Range</c> header of every CDN request ("" when none).</summary>
    public ConcurrentQueue<string> CdnRanges { get; } = new();

    /// <summary>The <c>Authorization</c> header of every request, by path kind ("hub" or "cdn").</summary>
    public ConcurrentQueue<(string Kind, string Authorization)> Authorizations { get; } = new();

    public static async Task<StandInHub> StartAsync(string owner, string repo, string file, byte[] content)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var hub = new StandInHub(app, owner, repo, file, content);
        app.MapGet("/{owner}/{repo}/resolve/{revision}/{**file}", (HttpContext context, string owner, string repo, string revision, string file) =>
        {
            hub.Authorizations.Enqueue(("hub", context.Request.Headers.Authorization.ToString()));
            if (owner != hub.Owner || repo != hub.Repo || revision != "main" || file != hub.File)
            {
                return Results.NotFound();
            }

            context.Response.Headers["X-Linked-Etag"] = $"\"{hub.Sha256}\"";
            context.Response.Headers["X-Linked-Size"] = hub.Content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers.ETag = "\"a-git-sha1-not-the-file-hash\"";
            return Results.Redirect($"/cdn/{hub.Sha256}?download=true");
        });
        app.MapGet("/cdn/{sha}", hub.ServeCdnAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        hub.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return hub;
    }

    private async Task ServeCdnAsync(HttpContext context)
    {
        Authorizations.Enqueue(("cdn", context.Request.Headers.Authorization.ToString()));
        var range = context.Request.Headers.Range.ToString();
        CdnRanges.Enqueue(range);
        var body = Content.ToArray();
        if (Corrupt)
        {
            body[body.Length / 2] ^= 0xFF;
        }

        long start = 0;
        if (range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-') && long.TryParse(range[6..^1], out var from))
        {
            if (from >= body.Length)
            {
                context.Response.StatusCode = 416;
                return;
            }

            start = from;
            context.Response.StatusCode = 206;
            context.Response.Headers.ContentRange = $"bytes {start}-{body.Length - 1}/{body.Length}";
        }

        context.Response.Headers.ETag = "\"cdn-object-etag\"";
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = body.Length - start;
        var end = CutAfterBytes is { } cut ? Math.Min(body.Length, start + cut) : body.Length;
        await context.Response.Body.WriteAsync(body.AsMemory((int)start, (int)(end - start)));
        if (end < body.Length)
        {
            await context.Response.Body.FlushAsync();
            context.Abort();
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
