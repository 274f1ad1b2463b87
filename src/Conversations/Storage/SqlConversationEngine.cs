using System.Data.Common;

namespace AgentHost.Conversations.Storage;

/// <summary>
/// The store's SQL, shared by the providers: the schema is migrated once per instance before the first operation; each
/// append takes the next turn of its conversation inside one write transaction (the conversation row's upsert both
/// locks and counts), so concurrent appends, from any number of processes, each get their own turn. Thread-safe.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The semaphore never hands out its wait handle, so it holds nothing to dispose.")]
internal sealed class SqlConversationEngine(SqlDialect dialect, TimeProvider time, TimeSpan operationTimeout) : IConversationStore
{
    /// <summary>The schema version this code writes and reads.</summary>
    public int SchemaVersion => dialect.Migrations.Count;

    private readonly SemaphoreSlim _migrating = new(1, 1);
    private volatile bool _migrated;

    public Task<IReadOnlyList<ConversationSummary>> ListAsync(int limit = 500, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<ConversationSummary>>(async (connection, ct) =>
        {
            await using var command = Command(connection, null,
                "SELECT id, title, updated_at, turns FROM conversations ORDER BY updated_at DESC, id LIMIT @limit", ("@limit", Math.Max(1, limit)));
            await using var reader = await command.ExecuteReaderAsync(ct);
            var list = new List<ConversationSummary>();
            while (await reader.ReadAsync(ct))
            {
                list.Add(new ConversationSummary(reader.GetString(0), reader.GetString(1), At(reader.GetInt64(2)), Convert.ToInt32(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture)));
            }

            return list;
        }, cancellationToken);

    public Task<Conversation?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ConversationId.ThrowIfInvalid(id);
        return RunAsync(async (connection, ct) =>
        {
            string title;
            long created, updated;
            await using (var head = Command(connection, null, "SELECT title, created_at, updated_at FROM conversations WHERE id = @id", ("@id", id)))
            await using (var reader = await head.ExecuteReaderAsync(ct))
            {
                if (!await reader.ReadAsync(ct))
                {
                    return null;
                }

                (title, created, updated) = (reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2));
            }

            var messages = new List<ConversationMessage>();
            await using (var body = Command(connection, null,
                "SELECT role, content, backend, model, status, error, created_at FROM messages WHERE conversation_id = @id ORDER BY seq", ("@id", id)))
            await using (var reader = await body.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    messages.Add(new ConversationMessage(reader.GetString(0), reader.GetString(1), NullableString(reader, 2), NullableString(reader, 3),
                        TurnStatusNames.Parse(reader.GetString(4)), NullableString(reader, 5), At(reader.GetInt64(6))));
                }
            }

            return new Conversation(id, title, At(created), At(updated), messages);
        }, cancellationToken);
    }

    public Task<int> AppendTurnAsync(string id, ConversationTurn turn, CancellationToken cancellationToken = default)
    {
        ConversationId.ThrowIfInvalid(id);
        ArgumentNullException.ThrowIfNull(turn);
        return RunAsync(async (connection, ct) =>
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            await using var transaction = await dialect.BeginWriteAsync(connection, ct);
            int number;
            await using (var upsert = Command(connection, transaction,
                "INSERT INTO conversations (id, title, created_at, updated_at, turns) VALUES (@id, @title, @now, @now, 1) " +
                "ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, turns = conversations.turns + 1 RETURNING turns",
                ("@id", id), ("@title", ConversationTitle.From(turn.UserText)), ("@now", now)))
            {
                number = Convert.ToInt32(await upsert.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            }

            var status = turn.Status.ToName();
            await using (var insert = Command(connection, transaction,
                "INSERT INTO messages (conversation_id, seq, role, content, backend, model, status, error, created_at) VALUES " +
                "(@id, @userSeq, 'user', @userText, NULL, NULL, @status, NULL, @now), " +
                "(@id, @answerSeq, 'assistant', @answerText, @backend, @model, @status, @error, @now)",
                ("@id", id), ("@userSeq", (number - 1) * 2), ("@userText", turn.UserText), ("@status", status), ("@now", now),
                ("@answerSeq", ((number - 1) * 2) + 1), ("@answerText", turn.AnswerText), ("@backend", turn.Backend), ("@model", turn.Model),
                ("@error", turn.Error)))
            {
                await insert.ExecuteNonQueryAsync(ct);
            }

            await transaction.CommitAsync(ct);
            return number;
        }, cancellationToken);
    }

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        ConversationId.ThrowIfInvalid(id);
        return RunAsync(async (connection, ct) =>
        {
            await using var transaction = await dialect.BeginWriteAsync(connection, ct);
            await using (var messages = Command(connection, transaction, "DELETE FROM messages WHERE conversation_id = @id", ("@id", id)))
            {
                await messages.ExecuteNonQueryAsync(ct);
            }

            int rows;
            await using (var conversation = Command(connection, transaction, "DELETE FROM conversations WHERE id = @id", ("@id", id)))
            {
                rows = await conversation.ExecuteNonQueryAsync(ct);
            }

            await transaction.CommitAsync(ct);
            return rows > 0;
        }, cancellationToken);
    }

    /// <summary>Brings the schema to <see cref="SchemaVersion"/> (once per instance; a failure is retried by the next operation).</summary>
    public Task MigrateAsync(CancellationToken cancellationToken = default) => RunAsync<bool>((_, _) => Task.FromResult(true), cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> on an open connection (after migrating, the first time), within the operation timeout;
    /// the database's own failures become one <see cref="ConversationStoreException"/> naming the database.
    /// </summary>
    private async Task<T> RunAsync<T>(Func<DbConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(operationTimeout);
        try
        {
            await using var connection = await dialect.OpenAsync(deadline.Token);
            if (!_migrated)
            {
                await MigrateAsync(connection, deadline.Token);
            }

            return await work(connection, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ConversationStoreException($"The {dialect.Describe} did not answer within {operationTimeout.TotalSeconds:0.#} s.");
        }
        catch (Exception e) when (e is not ConversationStoreException && dialect.IsDatabaseFailure(e))
        {
            throw new ConversationStoreException($"The {dialect.Describe} failed: {e.Message}", e);
        }
    }

    private async Task MigrateAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await _migrating.WaitAsync(cancellationToken);
        try
        {
            if (_migrated)
            {
                return;
            }

            await dialect.PrepareAsync(connection, cancellationToken);
            await using var transaction = await dialect.BeginWriteAsync(connection, cancellationToken);
            await dialect.LockSchemaAsync(connection, transaction, cancellationToken);
            await using (var create = Command(connection, transaction, dialect.CreateVersionTable))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            int current;
            await using (var read = Command(connection, transaction, "SELECT MAX(version) FROM schema_version"))
            {
                var value = await read.ExecuteScalarAsync(cancellationToken);
                current = value is null or DBNull ? 0 : Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
            }

            if (current > SchemaVersion)
            {
                throw new ConversationStoreException(
                    $"The {dialect.Describe} is at schema version {current}, newer than this agent-host knows ({SchemaVersion}): upgrade agent-host, or point AgentHost:Storage:ConnectionString at another database.");
            }

            for (var version = current; version < SchemaVersion; version++)
            {
                foreach (var statement in dialect.Migrations[version])
                {
                    await using var step = Command(connection, transaction, statement);
                    await step.ExecuteNonQueryAsync(cancellationToken);
                }

                await using var record = Command(connection, transaction, "INSERT INTO schema_version (version) VALUES (@version)", ("@version", version + 1));
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            _migrated = true;
        }
        finally
        {
            _migrating.Release();
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA2100", Justification = "Every statement is a constant of this assembly; values go in as parameters.")]
    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTimeOffset At(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);
}
