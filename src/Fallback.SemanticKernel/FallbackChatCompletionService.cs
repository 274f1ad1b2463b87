using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Fallback;

/// <summary>
/// The chain's SK face: an <see cref="IChatCompletionService"/> over <see cref="FallbackChatClient"/> with SK's
/// automatic function invocation placed ABOVE the chain, so every model step fails over on its own and a function is
/// never invoked twice. Message metadata carries the <see cref="FallbackReport"/> (<c>GetFallbackReport()</c>).
/// </summary>
public sealed class FallbackChatCompletionService : IChatCompletionService
{
    private readonly IChatCompletionService _inner;

    /// <summary>Creates the SK face over <paramref name="chain"/>.</summary>
    public FallbackChatCompletionService(FallbackChatClient chain, IServiceProvider services, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(services);
        Chain = chain;
        _inner = chain.AsBuilder().UseKernelFunctionInvocation(loggerFactory).Build(services).AsChatCompletionService(services);
        Attributes = new Dictionary<string, object?>();
    }

    /// <summary>The chain underneath.</summary>
    public FallbackChatClient Chain { get; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> Attributes { get; }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null,
        Kernel? kernel = null, CancellationToken cancellationToken = default) =>
        _inner.GetChatMessageContentsAsync(chatHistory, executionSettings, kernel, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default) =>
        _inner.GetStreamingChatMessageContentsAsync(chatHistory, executionSettings, kernel, cancellationToken);
}
