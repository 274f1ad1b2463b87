using AgentHost.Conversations.Storage;
using Npgsql;

namespace AgentHost.Conversations.Postgres;

/// <summary>
/// Conversations in a PostgreSQL database (Npgsql) that several replicas share: the schema is migrated before the first
/// operation (once, whichever replica comes first), and concurrent appends to one conversation queue on its row.
/// Thread-safe. Disposing closes the connection pool.
/// </summary>
public sealed class PostgresConversationStore : IConversationStore, IMigratableConversationStore, IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly SqlConversationEngine _engine;

    /// <summary>A store over <paramref name="connectionString"/> (<c>Host=…;Database=…;Username=…;Password=…</c>).</summary>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <param name="timeProvider">The clock for the turns' times (default: the system's).</param>
    /// <param name="operationTimeout">How long one operation may take (default 10 s).</param>
    public PostgresConversationStore(string connectionString, TimeProvider? timeProvider = null, TimeSpan? operationTimeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _engine = new SqlConversationEngine(new PostgresDialect(_dataSource), timeProvider ?? TimeProvider.System, operationTimeout ?? TimeSpan.FromSeconds(10));
    }

    /// <summary>The schema version this code writes.</summary>
    public int SchemaVersion => _engine.SchemaVersion;

    /// <summary>Brings the schema up to date now (otherwise done by the first operation).</summary>
    public Task MigrateAsync(CancellationToken cancellationToken = default) => _engine.MigrateAsync(cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<ConversationSummary>> ListAsync(int limit = 500, CancellationToken cancellationToken = default) => _engine.ListAsync(limit, cancellationToken);

    /// <inheritdoc />
    public Task<Conversation?> GetAsync(string id, CancellationToken cancellationToken = default) => _engine.GetAsync(id, cancellationToken);

    /// <inheritdoc />
    public Task<int> AppendTurnAsync(string id, ConversationTurn turn, CancellationToken cancellationToken = default) => _engine.AppendTurnAsync(id, turn, cancellationToken);

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) => _engine.DeleteAsync(id, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <inheritdoc />
    public void Dispose() => _dataSource.Dispose();
}
