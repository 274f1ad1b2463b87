using AgentHost.Conversations.Storage;

namespace AgentHost.Conversations.Sqlite;

/// <summary>
/// Conversations in one SQLite file (<c>Microsoft.Data.Sqlite</c>): the file and its folder are created on first use, the
/// schema migrated before the first operation, WAL mode with a busy timeout, each append in <c>BEGIN IMMEDIATE</c>.
/// Thread-safe; several processes may share the file.
/// </summary>
public sealed class SqliteConversationStore : IConversationStore, IMigratableConversationStore
{
    private readonly SqlConversationEngine _engine;

    /// <summary>A store over <paramref name="connectionString"/> (<c>Data Source=/path/conversations.db</c>).</summary>
    /// <param name="connectionString">The SQLite connection string.</param>
    /// <param name="timeProvider">The clock for the turns' times (default: the system's).</param>
    /// <param name="busyTimeout">How long a writer waits for another's lock (default 10 s).</param>
    /// <param name="operationTimeout">How long one operation may take (default 10 s).</param>
    public SqliteConversationStore(string connectionString, TimeProvider? timeProvider = null, TimeSpan? busyTimeout = null, TimeSpan? operationTimeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var dialect = new SqliteDialect(connectionString, busyTimeout ?? TimeSpan.FromSeconds(10));
        DatabasePath = dialect.Path;
        _engine = new SqlConversationEngine(dialect, timeProvider ?? TimeProvider.System, operationTimeout ?? TimeSpan.FromSeconds(10));
    }

    /// <summary>The database file (full path).</summary>
    public string DatabasePath { get; }

    /// <summary>The schema version this code writes.</summary>
    public int SchemaVersion => _engine.SchemaVersion;

    /// <summary>Creates the file and brings its schema up to date now (otherwise done by the first operation).</summary>
    public Task MigrateAsync(CancellationToken cancellationToken = default) => _engine.MigrateAsync(cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<ConversationSummary>> ListAsync(int limit = 500, CancellationToken cancellationToken = default) => _engine.ListAsync(limit, cancellationToken);

    /// <inheritdoc />
    public Task<Conversation?> GetAsync(string id, CancellationToken cancellationToken = default) => _engine.GetAsync(id, cancellationToken);

    /// <inheritdoc />
    public Task<int> AppendTurnAsync(string id, ConversationTurn turn, CancellationToken cancellationToken = default) => _engine.AppendTurnAsync(id, turn, cancellationToken);

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) => _engine.DeleteAsync(id, cancellationToken);
}
