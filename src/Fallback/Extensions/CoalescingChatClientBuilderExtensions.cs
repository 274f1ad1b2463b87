using AgentHost.Fallback.Streaming;

namespace Microsoft.Extensions.AI;

/// <summary>Adds <see cref="CoalescingChatClient"/> to a chat client pipeline.</summary>
public static class CoalescingChatClientBuilderExtensions
{
    /// <summary>
    /// Sends streamed updates already there together as one (consecutive text merged while the stream's next update is
    /// ready without waiting), never waiting for more. Most effective directly above a backend's client.
    /// </summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="maxMerged">How many updates are merged into one at most.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static ChatClientBuilder UseUpdateCoalescing(this ChatClientBuilder builder, int maxMerged = CoalescingChatClient.DefaultMaxMerged)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMerged, 1);
        return builder.Use(inner => new CoalescingChatClient(inner, maxMerged));
    }
}
