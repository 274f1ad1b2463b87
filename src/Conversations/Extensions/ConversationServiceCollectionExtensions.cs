using AgentHost.Conversations;
using AgentHost.Conversations.Postgres;
using AgentHost.Conversations.Sqlite;
using AgentHost.Conversations.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the conversation store from configuration.</summary>
public static class ConversationServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="ConversationStoreOptions"/> from <paramref name="section"/> (<c>AgentHost:Storage</c>), validated at
    /// start, and registers <see cref="IConversationStore"/> as a singleton: SQLite (the default) or PostgreSQL. Nothing
    /// touches the database until the store is first used.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The <c>AgentHost:Storage</c> section.</param>
    /// <param name="defaultSqlitePath">The SQLite file used when no connection string is configured.</param>
    public static IServiceCollection AddConversationStore(this IServiceCollection services, IConfiguration section, string defaultSqlitePath)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentException.ThrowIfNullOrWhiteSpace(defaultSqlitePath);
        services.AddOptions<ConversationStoreOptions>().Bind(section).Configure(o =>
        {
            if (string.IsNullOrWhiteSpace(o.ConnectionString) && o.IsSqlite)
            {
                o.ConnectionString = $"Data Source={defaultSqlitePath}";
            }
        }).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConversationStoreOptions>, ConversationStoreOptionsValidator>());
        services.TryAddSingleton<IConversationStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ConversationStoreOptions>>().Value;
            var time = sp.GetService<TimeProvider>() ?? TimeProvider.System;
            return options.IsPostgres
                ? new PostgresConversationStore(options.ConnectionString!, time, options.OperationTimeout)
                : new SqliteConversationStore(options.ConnectionString!, time, options.BusyTimeout, options.OperationTimeout);
        });
        return services;
    }
}
