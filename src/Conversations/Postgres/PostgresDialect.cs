using System.Data.Common;
using System.Net.Sockets;
using AgentHost.Conversations.Storage;
using Npgsql;

namespace AgentHost.Conversations.Postgres;

/// <summary>
/// PostgreSQL through one pooled <see cref="NpgsqlDataSource"/>. Appends need no table lock: the conversation row's
/// upsert (<c>INSERT … ON CONFLICT DO UPDATE … RETURNING turns</c>) locks that row until the transaction ends, so
/// concurrent appends to one conversation, from any replica, queue on it and each get the next turn. Migrations hold a
/// transaction-scoped advisory lock, so replicas starting together migrate once.
/// </summary>
internal sealed class PostgresDialect(NpgsqlDataSource dataSource) : SqlDialect
{
    // An arbitrary constant naming "agent-host conversations schema" among advisory locks.
    private const long SchemaLockKey = 0x4147_4E54_4356_0001;

    public override string Describe => $"PostgreSQL database {Database} at {Host}";

    private string Host => new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Host ?? "?";

    private string Database => new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Database ?? "?";

    public override IReadOnlyList<IReadOnlyList<string>> Migrations { get; } =
    [
        [
            "CREATE TABLE conversations (id TEXT NOT NULL PRIMARY KEY, title TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, turns INTEGER NOT NULL)",
            "CREATE INDEX ix_conversations_updated_at ON conversations (updated_at DESC)",
            "CREATE TABLE messages (conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL, backend TEXT NULL, " +
                "model TEXT NULL, status TEXT NOT NULL, error TEXT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (conversation_id, seq))",
        ],
    ];

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) => await dataSource.OpenConnectionAsync(cancellationToken);

    public override async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await ((NpgsqlConnection)connection).BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);

    public override async Task LockSchemaAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        command.Parameters.AddWithValue("key", SchemaLockKey);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override bool IsDatabaseFailure(Exception exception) =>
        exception is NpgsqlException or SocketException or TimeoutException or IOException;
}
