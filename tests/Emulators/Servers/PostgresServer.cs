using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AgentHost.Emulators.Servers;

/// <summary>
/// A real PostgreSQL server (Debian's <c>postgresql</c> package, installed by <c>.ci/run</c>): a fresh cluster made by
/// <c>initdb</c> in a temporary folder (trust authentication, loopback only), started on a free loopback port and
/// removed when disposed. As root (CI) the server runs as the package's <c>postgres</c> user, since PostgreSQL refuses root.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _folder;
    private readonly string _data;
    private readonly bool _asPostgresUser;

    private PostgresServer(string bin, string folder, int port, bool asPostgresUser)
    {
        _bin = bin;
        _folder = folder;
        _data = Path.Combine(folder, "data");
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>An Npgsql connection string for <paramref name="database"/> (default <c>postgres</c>) as the superuser.</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database={database};Pooling=true";

    /// <summary>Makes a cluster, starts it on a free loopback port and waits until it accepts connections.</summary>
    public static async Task<PostgresServer> StartNewAsync(CancellationToken cancellationToken = default)
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).Order().LastOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("PostgreSQL is missing: install Debian's postgresql (apt-get install -y postgresql; .ci/run does it).");
        }

        var folder = Path.Combine(Path.GetTempPath(), "agent-host-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var asPostgres = Environment.UserName == "root";
        var server = new PostgresServer(bin, folder, FreePort(), asPostgres);
        if (asPostgres)
        {
            await RunAsync("chown", ["postgres:postgres", folder], cancellationToken);
        }

        await server.RunServerToolAsync("initdb", ["-D", server._data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N"], cancellationToken);
        await server.RunServerToolAsync("pg_ctl",
            ["-D", server._data, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "30",
             "-o", $"-p {server.Port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start"],
            cancellationToken);
        return server;
    }

    /// <summary>Creates database <paramref name="name"/> (letters, digits and underscores) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException("A database name of letters, digits and underscores.", nameof(name));
        }

        await RunAsync("psql", ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1",
            "-c", $"CREATE DATABASE {name}"], cancellationToken);
        return ConnectionString(name);
    }

    /// <summary>Stops the server (fast shutdown) and deletes its cluster.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunServerToolAsync("pg_ctl", ["-D", _data, "-m", "immediate", "-w", "stop"], CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // Already stopped: nothing to do but remove the folder.
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temporary folder is left for the system to clean.
        }
    }

    /// <summary>The server's log (for a failing test's message).</summary>
    public string Log => File.Exists(Path.Combine(_folder, "server.log")) ? File.ReadAllText(Path.Combine(_folder, "server.log")) : "";

    private Task RunServerToolAsync(string tool, IReadOnlyList<string> args, CancellationToken cancellationToken) =>
        _asPostgresUser
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. args], cancellationToken)
            : RunAsync(Path.Combine(_bin, tool), args, cancellationToken);

    private static async Task RunAsync(string file, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr}{await stdout}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
