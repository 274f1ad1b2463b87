using AgentHost.Conversations;

namespace AgentHost.Http;

/// <summary>
/// <c>serve</c>: migrates the conversation store as the service starts (the page stores every turn), without holding the
/// start up. A store that cannot be made ready (down, or a database newer than this host) is one warning line; the
/// service answers anyway, and each turn it cannot store says so (<see cref="ConversationRecorder.ErrorHeader"/>).
/// </summary>
internal sealed class ConversationStoreStartup(IConversationStore store, ILogger<ConversationStoreStartup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store is not IMigratableConversationStore migratable)
        {
            return;
        }

        await Task.Yield(); // off the start-up path: Kestrel listens while the database is reached
        try
        {
            await migratable.MigrateAsync(stoppingToken);
        }
        catch (ConversationStoreException e)
        {
            logger.StoreNotReady(e.Message);
        }
    }
}
