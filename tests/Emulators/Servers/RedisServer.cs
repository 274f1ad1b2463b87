using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentHost.Emulators.Servers;

/// <summary>
/// A real <c>redis-server</c> (Debian's package, installed by <c>.ci/run</c>) started for a test on a free loopback
/// port, with no persistence, and killed when disposed. <see cref="StopAsync"/> and <see cref="StartAsync"/> take it
/// away and bring it back on the same port, for tests of a lost Redis.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string Executable = "/usr/bin/redis-server";
    private Process? _process;
    private readonly StringBuilder _output = new();

    private RedisServer(int port) => Port = port;

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string for it (<c>127.0.0.1:PORT</c>).</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>Starts a server on a free loopback port and waits until it answers <c>PING</c>.</summary>
    public static async Task<RedisServer> StartNewAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: install Debian's redis-server (apt-get install -y redis-server; .ci/run does it).");
        }

        var server = new RedisServer(FreePort());
        await server.StartAsync(cancellationToken);
        return server;
    }

    /// <summary>Starts (or restarts) the server on <see cref="Port"/> and waits until it answers <c>PING</c>.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_process is { HasExited: false })
        {
            return;
        }

        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                     "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning",
                 })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(20));
        while (!await PingAsync(deadline.Token))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}: {Output}");
            }

            await Task.Delay(20, deadline.Token);
        }
    }

    /// <summary>Kills the server (a lost Redis: connections reset, nothing saved) and waits for it to be gone.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>What the server printed.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Runs one command through <c>redis-cli</c>-free RESP (inline command) and returns the raw reply line.</summary>
    public async Task<string> CommandAsync(string inlineCommand, CancellationToken cancellationToken = default)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(inlineCommand + "\r\n"), cancellationToken);
        var buffer = new byte[64 * 1024];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        return Encoding.UTF8.GetString(buffer, 0, read).TrimEnd('\r', '\n');
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await CommandAsync("PING", cancellationToken) == "+PONG";
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
