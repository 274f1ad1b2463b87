using AgentHost.Emulators.Hosting;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Emulators.Victoria;

// Standalone: `dotnet run --project tests/Emulators [-- --only mlx,ollama] [--mlx-port N] [--ollama-port N] [--victoria-port N]`
// starts the emulators on the real servers' default ports so a person can try the host with no real server.
var emulators = new List<BackendEmulator> { new MlxEmulator(), new OllamaEmulator(), new VictoriaEmulator() };
string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
var only = Arg("--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
if (only is not null)
{
    emulators.RemoveAll(e => !only.Contains(e.Name, StringComparer.OrdinalIgnoreCase));
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

foreach (var emulator in emulators)
{
    var port = int.TryParse(Arg($"--{emulator.Name.ToLowerInvariant()}-port"), out var p) ? p : emulator.DefaultPort;
    await emulator.StartAsync(port, log: args.Contains("--log"));
    Console.WriteLine($"{emulator.Name} emulator listening on {emulator.BaseAddress}");
}

Console.WriteLine("Press Ctrl+C to stop.");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

foreach (var emulator in emulators)
{
    await emulator.DisposeAsync();
}
