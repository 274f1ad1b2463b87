using System.Runtime.CompilerServices;
using AgentHost.Backends;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace AgentHost.Fallback;

/// <summary>
/// Reads SK's <see cref="HttpOperationException"/> as the backend failure it is: a backend made of an SK
/// <c>IChatCompletionService</c> (adapted with <c>AsChatClient()</c>) throws SK's exception, which the SK-free chain
/// does not know; this client rethrows it as a <see cref="BackendHttpOperationException"/> with the same status and
/// body, so the chain classifies, retries and reports it as it does its own connectors' failures.
/// </summary>
/// <remarks>Put it directly over the adapted SK service: <c>service.AsChatClient().AsBuilder().UseKernelHttpErrors("Name").Build()</c>.</remarks>
public sealed class KernelHttpErrorChatClient : DelegatingChatClient
{
    private readonly string _backend;

    /// <summary>Creates the client for the backend named <paramref name="backend"/>.</summary>
    public KernelHttpErrorChatClient(IChatClient innerClient, string backend)
        : base(innerClient)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(backend);
        _backend = backend;
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.StatusCode is not null)
        {
            throw Translate(e);
        }
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            ChatResponseUpdate update;
            try
            {
                if (!await updates.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }

                update = updates.Current;
            }
            catch (HttpOperationException e) when (e.StatusCode is not null)
            {
                throw Translate(e);
            }

            yield return update;
        }
    }

    private BackendHttpOperationException Translate(HttpOperationException e) =>
        BackendHttpOperationException.FromBody(_backend, e.StatusCode!.Value, e.ResponseContent, retryAfter: null, e);
}
