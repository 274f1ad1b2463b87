using AgentHost.Emulators.Hosting;
using Microsoft.AspNetCore.Http;

namespace AgentHost.Emulators.Victoria;

public sealed partial class VictoriaEmulator
{
    // A crashing server's socket closes after the bytes it sent. Kestrel's abort is a reset that can overtake those
    // bytes on loopback (the client then sees a failed exchange, not a cut reply), so a cut waits briefly first.
    private static readonly TimeSpan CutGrace = TimeSpan.FromMilliseconds(50);

    /// <summary>Sends the events; with <see cref="RequestFaults.DropAfterChunks"/>, that many events and then a cut connection.</summary>
    private async Task StreamOrCutAsync(HttpContext context, RequestFaults faults, IReadOnlyList<string> events, string contentType)
    {
        if (faults.DropAfterChunks is not { } drop)
        {
            await StreamAsync(context, faults, events, contentType);
            return;
        }

        var kept = new RequestFaults(new EmulatorFaults.Snapshot { ChunkDelay = faults.ChunkDelay, Answer = faults.Answer }, faults.Active, faults.RequestNumber);
        await StreamAsync(context, kept, events.Take(drop), contentType);
        await CutAsync(context);
    }

    /// <summary>Writes the JSON body; with <see cref="RequestFaults.DropAfterChunks"/>, half of it and then a cut connection.</summary>
    private async Task WriteBodyOrCutAsync(HttpContext context, RequestFaults faults, string body)
    {
        if (faults.DropAfterChunks is null)
        {
            await WriteBodyAsync(context, faults, body);
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body[..(body.Length / 2)], context.RequestAborted);
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
}
