using AgentHost.Conversations.Postgres;
using AgentHost.Conversations.Tests.Storage;
using AgentHost.Emulators.Servers;
using Npgsql;

namespace AgentHost.Conversations.Tests.Postgres;

/// <summary>One real PostgreSQL server (Debian's) for the test class; each test gets a database of its own.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartNewAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>The store contract on a real PostgreSQL server.</summary>
public sealed class PostgresConversationStoreTests(PostgresFixture postgres) : ConversationStoreContract, IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private readonly List<PostgresConversationStore> _stores = [];
    private readonly Dictionary<IConversationStore, string> _connectionStrings = [];

    protected override async Task<IConversationStore> NewStoreAsync()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync("c_" + Guid.NewGuid().ToString("N")[..16]);
        return Track(new PostgresConversationStore(connectionString, Time), connectionString);
    }

    protected override IConversationStore SameDatabase(IConversationStore store) =>
        Track(new PostgresConversationStore(_connectionStrings[store], Time), _connectionStrings[store]);

    protected override async Task SetSchemaVersionAsync(IConversationStore store, int version)
    {
        await using var connection = new NpgsqlConnection(_connectionStrings[store]);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("INSERT INTO schema_version (version) VALUES (@v)", connection);
        command.Parameters.AddWithValue("v", version);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Two_stores_migrating_one_empty_database_at_once_migrate_it_once()
    {
        var first = (PostgresConversationStore)await NewStoreAsync();
        var second = (PostgresConversationStore)SameDatabase(first);

        await Task.WhenAll(first.MigrateAsync(), second.MigrateAsync());

        await using var connection = new NpgsqlConnection(_connectionStrings[first]);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM schema_version", connection);
        Assert.Equal(1L, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_server_that_is_down_is_one_store_error_naming_the_database()
    {
        var store = Track(new PostgresConversationStore("Host=127.0.0.1;Port=1;Database=nowhere;Username=postgres;Timeout=2", Time), "");

        var e = await Assert.ThrowsAsync<ConversationStoreException>(() => store.ListAsync());

        Assert.Contains("PostgreSQL database nowhere at 127.0.0.1", e.Message);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    private PostgresConversationStore Track(PostgresConversationStore store, string connectionString)
    {
        _stores.Add(store);
        _connectionStrings[store] = connectionString;
        return store;
    }
}
