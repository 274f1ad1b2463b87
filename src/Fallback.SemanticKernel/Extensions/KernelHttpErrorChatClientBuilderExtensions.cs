using AgentHost.Fallback;

namespace Microsoft.Extensions.AI;

/// <summary>Adds <see cref="KernelHttpErrorChatClient"/> to a <see cref="ChatClientBuilder"/>.</summary>
public static class KernelHttpErrorChatClientBuilderExtensions
{
    /// <summary>Reads SK's <c>HttpOperationException</c> from the clients below as a failure of <paramref name="backend"/>.</summary>
    public static ChatClientBuilder UseKernelHttpErrors(this ChatClientBuilder builder, string backend)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => new KernelHttpErrorChatClient(inner, backend));
    }
}
