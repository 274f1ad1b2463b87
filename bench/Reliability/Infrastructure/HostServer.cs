using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace AgentHost.Bench.Reliability.Infrastructure;

/// <summary>
/// The built host's <c>serve</c> running as its own process (<c>dotnet AgentHost.dll serve --urls http://127.0.0.1:PORT</c>),
/// configured by environment variables only, as an operator would. Keeps the tail of its log, reads its working set
/// from /proc, and is killed (with its process tree) on dispose.
/// </summary>
internal sealed class HostServer : IAsyncDisposable
{
    private const int LogTail = 300;
    private readonly Process _process;
    private readonly Queue<string> _log = new();
    private long _logLines;

    private HostServer(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public long LogLines => Interlocked.Read(ref _logLines);

    /// <summary>The path of the host's entry assembly, copied next to this program by the project reference.</summary>
    public static string HostDll => Path.Combine(AppContext.BaseDirectory, "AgentHost.dll");

    public static async Task<HostServer> StartAsync(IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var start = HostProcessStart(["serve", "--urls", $"http://127.0.0.1:{port}"], environment);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the host");
        var server = new HostServer(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"serve exited with {process.ExitCode} at start: {server.Tail(20)}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(server.BaseAddress, "health"), cancellationToken);
                return server;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(100, cancellationToken);
        }

        await server.DisposeAsync();
        throw new TimeoutException("serve did not answer /health within 60 s");
    }

    /// <summary>A start description for the built host with <paramref name="args"/>; nothing from this process's own AgentHost__ environment leaks in.</summary>
    public static ProcessStartInfo HostProcessStart(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        start.ArgumentList.Add(HostDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AgentHost__", StringComparison.OrdinalIgnoreCase) || k == "ASPNETCORE_URLS").ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // Never the person's own config file or models folder (a pulled model would add Embedded to every order).
        var isolated = Path.Combine(Path.GetTempPath(), "agent-host-reliability-home");
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(isolated, "config");
        start.Environment["XDG_CACHE_HOME"] = Path.Combine(isolated, "cache");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    /// <summary>Waits until <c>/health</c> reports each of <paramref name="backends"/> as <c>healthy</c>; see <see cref="HealthWait"/>.</summary>
    public Task<HealthWait.Result> WaitHealthyAsync(HttpClient http, IEnumerable<string> backends, TimeSpan timeout, CancellationToken cancellationToken) =>
        HealthWait.UntilHealthyAsync(http, BaseAddress, backends, timeout, cancellationToken);

    /// <summary>The process's resident set (VmRSS), in bytes.</summary>
    public long WorkingSetBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    public string Tail(int lines)
    {
        lock (_log)
        {
            return string.Join('\n', _log.Skip(Math.Max(0, _log.Count - lines)));
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        Interlocked.Increment(ref _logLines);
        lock (_log)
        {
            _log.Enqueue(line);
            if (_log.Count > LogTail)
            {
                _log.Dequeue();
            }
        }
    }

    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
