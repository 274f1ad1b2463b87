using AgentHost.Fallback.Streaming;

namespace Microsoft.Extensions.AI;

/// <summary>Adds <see cref="CoalescingChatClient"/> to a chat client pipeline.</summary>
public static class CoalescingChatClientBuilderExtensions
{
    /// <summary>
    /// Sends streamed updates already there together as one (consecutive text merged), never waiting for more.
    /// </summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="capacity">How many updates the read-ahead may hold.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static ChatClientBuilder UseUpdateCoalescing(this ChatClientBuilder builder, int capacity = CoalescingChatClient.DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        return builder.Use(inner => new CoalescingChatClient(inner, capacity));
    }
}
