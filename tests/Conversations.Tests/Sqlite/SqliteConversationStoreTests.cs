using AgentHost.Conversations.Sqlite;
using AgentHost.Conversations.Tests.Storage;
using Microsoft.Data.Sqlite;

namespace AgentHost.Conversations.Tests.Sqlite;

/// <summary>The store contract on a real SQLite file in a temporary folder, and what only SQLite does (the file, WAL).</summary>
public sealed class SqliteConversationStoreTests : ConversationStoreContract, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agent-host-conversations-").FullName;

    protected override Task<IConversationStore> NewStoreAsync() =>
        Task.FromResult<IConversationStore>(new SqliteConversationStore($"Data Source={Path.Combine(_folder, Guid.NewGuid().ToString("N"), "conversations.db")}", Time));

    protected override IConversationStore SameDatabase(IConversationStore store) =>
        new SqliteConversationStore($"Data Source={((SqliteConversationStore)store).DatabasePath}", Time);

    protected override async Task SetSchemaVersionAsync(IConversationStore store, int version)
    {
        await using var connection = new SqliteConnection($"Data Source={((SqliteConversationStore)store).DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO schema_version (version) VALUES ({version})";
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task The_file_and_its_folders_are_created_on_first_use_in_wal_mode_with_a_schema_version()
    {
        var path = Path.Combine(_folder, "a", "b", "conversations.db");
        var store = new SqliteConversationStore($"Data Source={path}", Time);
        Assert.False(File.Exists(path)); // nothing until it is used

        await store.AppendTurnAsync("x", new ConversationTurn("hi", "hello", "Mlx", "m", TurnStatus.Complete));

        Assert.True(File.Exists(path));
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
        command.CommandText = "SELECT MAX(version) FROM schema_version";
        Assert.Equal(1L, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_file_that_cannot_be_created_is_one_store_error_naming_it()
    {
        var blocker = Path.Combine(_folder, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "a file where the folder should be");
        var store = new SqliteConversationStore($"Data Source={Path.Combine(blocker, "conversations.db")}", Time);

        var e = await Assert.ThrowsAsync<ConversationStoreException>(() => store.ListAsync());

        Assert.Contains("SQLite database", e.Message);
        Assert.Contains("not-a-folder", e.Message);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
