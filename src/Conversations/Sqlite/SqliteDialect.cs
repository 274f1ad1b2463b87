using System.Data.Common;
using System.Globalization;
using AgentHost.Conversations.Storage;
using Microsoft.Data.Sqlite;

namespace AgentHost.Conversations.Sqlite;

/// <summary>
/// SQLite: one file, created with its folder on first use; WAL mode (readers never wait for the writer); every write in
/// <c>BEGIN IMMEDIATE</c>, so writers queue on the file's lock (up to the busy timeout) instead of failing mid-transaction.
/// </summary>
internal sealed class SqliteDialect : SqlDialect
{
    private readonly string _connectionString;
    private readonly string? _folder;
    private readonly int _busyMilliseconds;

    public SqliteDialect(string connectionString, TimeSpan busyTimeout)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var inMemory = builder.Mode == SqliteOpenMode.Memory || builder.DataSource is "" or ":memory:";
        Path = inMemory ? builder.DataSource : System.IO.Path.GetFullPath(builder.DataSource);
        if (!inMemory)
        {
            builder.DataSource = Path;
            _folder = System.IO.Path.GetDirectoryName(Path);
        }

        builder.DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds));
        _connectionString = builder.ToString();
        _busyMilliseconds = (int)Math.Min(int.MaxValue, busyTimeout.TotalMilliseconds);
    }

    /// <summary>The database file (full path).</summary>
    public string Path { get; }

    public override string Describe => $"SQLite database {Path}";

    public override IReadOnlyList<IReadOnlyList<string>> Migrations { get; } =
    [
        [
            "CREATE TABLE conversations (id TEXT NOT NULL PRIMARY KEY, title TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, turns INTEGER NOT NULL)",
            "CREATE INDEX ix_conversations_updated_at ON conversations (updated_at DESC)",
            "CREATE TABLE messages (conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL, backend TEXT NULL, " +
                "model TEXT NULL, status TEXT NOT NULL, error TEXT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (conversation_id, seq))",
        ],
    ];

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_folder is not null)
        {
            Directory.CreateDirectory(_folder);
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA busy_timeout = " + _busyMilliseconds.ToString(CultureInfo.InvariantCulture);
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // BEGIN IMMEDIATE (deferred: false): the write lock is taken now, waiting out another writer up to the busy timeout.
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));
    }

    public override async Task PrepareAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var wal = connection.CreateCommand();
        wal.CommandText = "PRAGMA journal_mode = WAL";
        await wal.ExecuteNonQueryAsync(cancellationToken);
    }

    public override bool IsDatabaseFailure(Exception exception) =>
        exception is SqliteException or IOException or UnauthorizedAccessException;
}
