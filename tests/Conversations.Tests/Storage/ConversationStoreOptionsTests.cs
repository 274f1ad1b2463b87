using AgentHost.Conversations.Postgres;
using AgentHost.Conversations.Sqlite;
using AgentHost.Conversations.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentHost.Conversations.Tests.Storage;

/// <summary><c>AgentHost:Storage</c>: the provider, the default SQLite file, and the one-line errors at start.</summary>
public sealed class ConversationStoreOptionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings, string defaultPath = "/tmp/agent-host-default/conversations.db")
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddConversationStore(configuration.GetSection(ConversationStoreOptions.SectionName), defaultPath).BuildServiceProvider();
    }

    [Fact]
    public void With_nothing_configured_it_is_sqlite_in_the_default_file()
    {
        using var services = Build([], "/tmp/agent-host-default/conversations.db");

        var store = Assert.IsType<SqliteConversationStore>(services.GetRequiredService<IConversationStore>());
        Assert.Equal("/tmp/agent-host-default/conversations.db", store.DatabasePath);
    }

    [Fact]
    public void Provider_postgres_with_a_connection_string_is_postgres_in_any_case()
    {
        using var services = Build(new() { ["AgentHost:Storage:Provider"] = "postgres", ["AgentHost:Storage:ConnectionString"] = "Host=db;Database=agent" });

        Assert.IsType<PostgresConversationStore>(services.GetRequiredService<IConversationStore>());
    }

    [Theory]
    [InlineData("Mongo", null, "Provider 'Mongo' is not a storage provider; use Sqlite (the default) or Postgres.")]
    [InlineData("Postgres", null, "Provider Postgres needs ConnectionString")]
    [InlineData("Sqlite", "Data Source=x;Bogus Key=1", "ConnectionString is not a Sqlite connection string")]
    public void A_bad_setting_is_one_line_at_start(string provider, string? connectionString, string expected)
    {
        using var services = Build(new() { ["AgentHost:Storage:Provider"] = provider, ["AgentHost:Storage:ConnectionString"] = connectionString });

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ConversationStoreOptions>>().Value);

        Assert.Contains(expected, Assert.Single(e.Failures));
    }
}
