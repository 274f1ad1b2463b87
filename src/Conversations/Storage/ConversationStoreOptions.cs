using Microsoft.Extensions.Options;

namespace AgentHost.Conversations.Storage;

/// <summary>Where conversations are stored, bound from <c>AgentHost:Storage</c>.</summary>
public sealed class ConversationStoreOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "AgentHost:Storage";

    /// <summary>The SQLite provider (the default): one file on this machine.</summary>
    public const string Sqlite = "Sqlite";

    /// <summary>The PostgreSQL provider: one database several replicas share.</summary>
    public const string Postgres = "Postgres";

    /// <summary><see cref="Sqlite"/> (default) or <see cref="Postgres"/>, in any case.</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>
    /// The provider's connection string. SQLite: <c>Data Source=&lt;file&gt;</c> (default: <c>conversations.db</c> in the user's
    /// data folder, given by the host); PostgreSQL: required, e.g. <c>Host=db;Database=agent;Username=agent;Password=…</c>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>SQLite: how long a writer waits for another one's lock before failing (<c>PRAGMA busy_timeout</c>).</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one store operation may take when the caller gives no deadline of its own (a down database must not hold an answer).</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether <see cref="Provider"/> names PostgreSQL.</summary>
    public bool IsPostgres => string.Equals(Provider?.Trim(), Postgres, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <see cref="Provider"/> names SQLite.</summary>
    public bool IsSqlite => string.Equals(Provider?.Trim(), Sqlite, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Checks <see cref="ConversationStoreOptions"/> once, at start: a known provider, a PostgreSQL connection string, positive timeouts.</summary>
public sealed class ConversationStoreOptionsValidator : IValidateOptions<ConversationStoreOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ConversationStoreOptions options)
    {
        var failures = new List<string>();
        if (!options.IsSqlite && !options.IsPostgres)
        {
            failures.Add($"Provider '{options.Provider}' is not a storage provider; use {ConversationStoreOptions.Sqlite} (the default) or {ConversationStoreOptions.Postgres}.");
        }
        else if (options.IsPostgres && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add("Provider Postgres needs ConnectionString (e.g. AgentHost__Storage__ConnectionString=\"Host=db;Database=agent;Username=agent;Password=…\").");
        }
        else if (!string.IsNullOrWhiteSpace(options.ConnectionString) && ConnectionStringProblem(options) is { } problem)
        {
            failures.Add(problem);
        }

        if (options.BusyTimeout <= TimeSpan.Zero)
        {
            failures.Add("BusyTimeout must be positive.");
        }

        if (options.OperationTimeout <= TimeSpan.Zero)
        {
            failures.Add("OperationTimeout must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string? ConnectionStringProblem(ConversationStoreOptions options)
    {
        try
        {
            _ = options.IsPostgres
                ? new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString).Host
                : new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(options.ConnectionString).DataSource;
            return null;
        }
        catch (ArgumentException e)
        {
            return $"ConnectionString is not a {options.Provider.Trim()} connection string: {e.Message}";
        }
    }
}
