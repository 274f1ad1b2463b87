using AgentHost.Emulators.Hosting;
using Microsoft.AspNetCore.Http;

namespace AgentHost.Emulators.Ollama;

public sealed partial class OllamaEmulator
{
    // How long a dropped reply stays open after its last bytes. A crashing server's socket closes after the data it
    // sent; an immediate Kestrel abort is a reset that can overtake that data on loopback and turn a cut stream into
    // a failed connection, so the cut waits a moment for the client to read what was sent.
    private static readonly TimeSpan CutGrace = TimeSpan.FromMilliseconds(50);

    /// <summary>Streams the chunks; with <see cref="RequestFaults.DropAfterChunks"/>, sends that many and then cuts the connection.</summary>
    private async Task StreamOrCutAsync(HttpContext context, RequestFaults faults, IReadOnlyList<string> chunks, string contentType)
    {
        if (faults.DropAfterChunks is not { } drop)
        {
            await StreamAsync(context, faults, chunks, contentType);
            return;
        }

        await StreamAsync(context, WithoutDrop(faults), chunks.Take(drop), contentType);
        await CutAsync(context);
    }

    /// <summary>Writes the body; with <see cref="RequestFaults.DropAfterChunks"/>, writes half of it and then cuts the connection.</summary>
    private async Task WriteBodyOrCutAsync(HttpContext context, RequestFaults faults, string body, string contentType)
    {
        if (faults.DropAfterChunks is null)
        {
            await WriteBodyAsync(context, faults, body, contentType);
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body[..(body.Length / 2)], context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        await CutAsync(context);
    }

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

        context.Abort();
    }

    private static RequestFaults WithoutDrop(RequestFaults faults) => new(
        new EmulatorFaults.Snapshot
        {
            ChunkDelay = faults.ChunkDelay,
            Answer = faults.Answer,
        },
        faults.Active,
        faults.RequestNumber);
}
