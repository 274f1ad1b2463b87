using System.Data.Common;

namespace AgentHost.Conversations.Storage;

/// <summary>What differs between the SQL databases the store runs on: connections, the write lock, and the schema's migrations.</summary>
internal abstract class SqlDialect
{
    /// <summary>The database's name in messages (<c>SQLite database /home/…/conversations.db</c>).</summary>
    public abstract string Describe { get; }

    /// <summary>
    /// The schema's numbered migrations: entry <c>i</c> takes the schema from version <c>i</c> to <c>i + 1</c>, each a
    /// list of statements run in one transaction with the version's row.
    /// </summary>
    public abstract IReadOnlyList<IReadOnlyList<string>> Migrations { get; }

    /// <summary>The statement that creates the version table if it is missing.</summary>
    public virtual string CreateVersionTable => "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)";

    /// <summary>Opens a connection, ready for use.</summary>
    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Begins a transaction that holds the write lock: no other writer appends to the database (SQLite) or the conversation (PostgreSQL) until it ends.</summary>
    public abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Once before migrating, outside any transaction (SQLite: WAL mode).</summary>
    public virtual Task PrepareAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Inside the migration's transaction, before the version is read: keeps other processes from migrating at once.</summary>
    public virtual Task LockSchemaAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Whether <paramref name="exception"/> is this database's own failure (unreachable, full, locked, bad SQL), to wrap in <see cref="ConversationStoreException"/>.</summary>
    public abstract bool IsDatabaseFailure(Exception exception);
}
