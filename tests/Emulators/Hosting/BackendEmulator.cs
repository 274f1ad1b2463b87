using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentHost.Emulators.Hosting;

/// <summary>
/// One backend emulator: an in-process Kestrel app on loopback with fault knobs and a log of what it received.
/// Subclasses map the backend's routes in <see cref="MapRoutes"/> and use the protected helpers to honour the faults.
/// </summary>
public abstract class BackendEmulator : IAsyncDisposable
{
    private const string SelfAbort = "emulator-aborted";
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentQueue<RecordedRequest> _clientAborts = new();
    private readonly TaskCompletionSource _clientAborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private int _generationRequests;

    /// <summary>The backend's name, e.g. <c>Mlx</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The port the real server listens on by default.</summary>
    public abstract int DefaultPort { get; }

    /// <summary>The fault knobs.</summary>
    public EmulatorFaults Faults { get; } = new();

    /// <summary>The address the emulator listens on, e.g. <c>http://127.0.0.1:51234/</c>.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Every request received so far, oldest first.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    /// <summary>The requests the client gave up while the emulator was still answering them (not the emulator's own cuts), oldest first.</summary>
    public IReadOnlyList<RecordedRequest> ClientAborts => _clientAborts.ToArray();

    /// <summary>Completes when a client first gives up a request the emulator is still answering: the backend saw the abort.</summary>
    public Task ClientAborted => _clientAborted.Task;

    /// <summary>How many generation requests arrived so far.</summary>
    public int GenerationRequests => Volatile.Read(ref _generationRequests);

    /// <summary>Cancelled when the emulator stops; hanging responses end then.</summary>
    protected CancellationToken Stopping => _stopping.Token;

    /// <summary>Starts listening on 127.0.0.1 (port 0 picks a free one).</summary>
    public async Task<BackendEmulator> StartAsync(int port = 0, bool log = false, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        if (!log)
        {
            builder.Logging.ClearProviders();
        }

        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8, leaveOpen: true);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            context.Request.Body.Position = 0;
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var recorded = new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, body, headers);
            _requests.Enqueue(recorded);
            using var aborted = context.RequestAborted.Register(() =>
            {
                if (!context.Items.ContainsKey(SelfAbort) && !Stopping.IsCancellationRequested)
                {
                    _clientAborts.Enqueue(recorded);
                    _clientAborted.TrySetResult();
                }
            });
            await next(context);
        });
        MapRoutes(app);
        await app.StartAsync(cancellationToken);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        return this;
    }

    /// <summary>Maps the backend's routes.</summary>
    protected abstract void MapRoutes(WebApplication app);

    /// <summary>Counts a generation request and takes the faults that apply to it.</summary>
    protected RequestFaults BeginGeneration()
    {
        var n = Interlocked.Increment(ref _generationRequests);
        var s = Faults.Current;
        return new RequestFaults(s, n > s.PassRequests && (s.ActiveWhen?.Invoke() ?? true), n);
    }

    /// <summary>Honours <see cref="RequestFaults.Hang"/> and <see cref="RequestFaults.FirstByteDelay"/>. False when the request was given up.</summary>
    protected async Task<bool> DelayFirstByteAsync(HttpContext context, RequestFaults faults)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, Stopping);
        try
        {
            if (faults.Hang)
            {
                await Task.Delay(Timeout.Infinite, linked.Token);
            }

            if (faults.FirstByteDelay > TimeSpan.Zero)
            {
                await Task.Delay(faults.FirstByteDelay, linked.Token);
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            AbortSelf(context);
            return false;
        }
    }

    /// <summary>Aborts the connection on the emulator's own account (a cut, a stop): not recorded as the client's abort.</summary>
    protected static void AbortSelf(HttpContext context)
    {
        // The client went first (its abort is what cancelled the wait that called here): that abort is the client's, and
        // the callback on RequestAborted records it. The wait's continuation is queued to the pool by the same cancel, so
        // under load another worker can run it (and used to mark the abort as the emulator's own) before that callback.
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        context.Items[SelfAbort] = true;
        context.Abort();
    }

    /// <summary>Honours the health knobs: hang, status code. Returns false when the knobs already answered.</summary>
    protected async Task<bool> HealthPreambleAsync(HttpContext context)
    {
        var s = Faults.Current;
        if (s.HealthHang)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, Stopping);
            try
            {
                await Task.Delay(Timeout.Infinite, linked.Token);
            }
            catch (OperationCanceledException)
            {
                AbortSelf(context);
                return false;
            }
        }

        if (s.HealthStatusCode is { } code and not 200)
        {
            await WriteJsonAsync(context, code, new { detail = $"health check failed ({code})" });
            return false;
        }

        return true;
    }

    /// <summary>The health status string the knobs ask for, or <paramref name="normal"/>.</summary>
    protected string HealthStatusOr(string normal) => Faults.Current.HealthStatus ?? normal;

    /// <summary>Writes a JSON body with a status code and, when asked, a <c>Retry-After</c> header.</summary>
    protected static async Task WriteJsonAsync(HttpContext context, int statusCode, object body, TimeSpan? retryAfter = null, string contentType = "application/json")
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = contentType;
        if (retryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonOptions), context.RequestAborted);
    }

    /// <summary>
    /// How long a cut reply stays open after its last bytes. A crashing server's socket closes after the data it sent;
    /// Kestrel's abort is a reset that can overtake that data on loopback and turn a cut reply into a failed exchange,
    /// so a cut waits this long for the client to read what was sent.
    /// </summary>
    protected static readonly TimeSpan CutGrace = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Streams <paramref name="chunks"/> (each already framed: a line with its newline, an SSE event, ...) honouring
    /// <see cref="RequestFaults.ChunkDelay"/>, <see cref="RequestFaults.StallAfterChunks"/> (that many chunks, then
    /// silence) and <see cref="RequestFaults.DropAfterChunks"/> (that many chunks, or all of them when there are fewer,
    /// then a cut connection).
    /// </summary>
    protected async Task StreamAsync(HttpContext context, RequestFaults faults, IEnumerable<string> chunks, string contentType)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = contentType;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, Stopping);
        var sent = 0;
        try
        {
            foreach (var chunk in faults.DropAfterChunks is { } drop ? chunks.Take(drop) : chunks)
            {
                if (sent > 0 && faults.ChunkDelay > TimeSpan.Zero)
                {
                    await Task.Delay(faults.ChunkDelay, linked.Token);
                }

                if (sent == faults.StallAfterChunks)
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, linked.Token);
                }

                await context.Response.WriteAsync(chunk, linked.Token);
                await context.Response.Body.FlushAsync(linked.Token);
                sent++;
            }
        }
        catch (OperationCanceledException)
        {
            AbortSelf(context);
            return;
        }

        if (faults.DropAfterChunks is not null)
        {
            await CutAsync(context);
        }
    }

    /// <summary>Writes a complete non-streaming body, or half of it then a cut connection when <see cref="RequestFaults.DropAfterChunks"/> is set.</summary>
    protected async Task WriteBodyAsync(HttpContext context, RequestFaults faults, string body, string contentType = "application/json")
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = contentType;
        if (faults.DropAfterChunks is not null)
        {
            await context.Response.WriteAsync(body[..(body.Length / 2)], context.RequestAborted);
            await CutAsync(context);
            return;
        }

        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>Sends 200 headers and cuts the connection before any byte of the body: a stream whose generation failed after the server began it.</summary>
    protected async Task CutBeforeContentAsync(HttpContext context, string contentType)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = contentType;
        await context.Response.StartAsync(context.RequestAborted);
        await CutAsync(context);
    }

    /// <summary>Cuts the connection like a crashing server: sends what was written, waits <see cref="CutGrace"/> (less when the emulator stops), aborts.</summary>
    private async Task CutAsync(HttpContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, Stopping);
        try
        {
            await context.Response.Body.FlushAsync(linked.Token);
            await Task.Delay(CutGrace, linked.Token);
        }
        catch (OperationCanceledException)
        {
        }

        AbortSelf(context);
    }

    /// <summary>A body that is not the protocol's shape, for <see cref="RequestFaults.MalformedBody"/>.</summary>
    protected const string MalformedJson = "{\"unexpected\": tru<html>garbage";

    /// <summary>The serializer options the emulators write with (property names as given).</summary>
    protected static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.General)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Stops listening; the address then refuses connections.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }

        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }
}
