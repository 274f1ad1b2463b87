using System.Runtime.CompilerServices;
using System.Text;
using AgentHost.Backends;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AgentHost.Connectors.Ollama;

/// <summary>
/// Wraps OllamaSharp's <c>OllamaApiClient</c>: sends the configured <c>keep_alive</c>, carries the caller's token to
/// the body reads, reports a reply without text or tool calls as <see cref="BackendResponseProblem.Empty"/>, a
/// stream stopped by the caller as cancellation (OllamaSharp just ends it), and a broken stream with the text the
/// caller has already received as <see cref="BackendResponseException.PartialText"/>.
/// </summary>
internal sealed class OllamaGuardChatClient : DelegatingChatClient
{
    private const string KeepAliveKey = "keep_alive";
    private readonly string _backend;
    private readonly string? _keepAlive;
    private readonly ILogger _logger;

    public OllamaGuardChatClient(IChatClient inner, string backend, OllamaBackendOptions options, ILogger logger)
        : base(inner)
    {
        _backend = backend;
        _keepAlive = options.KeepAliveWireValue;
        _logger = logger;
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        OllamaCallContext.CallerToken = cancellationToken;
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messages, WithKeepAlive(options), cancellationToken).ConfigureAwait(false);
        }
        catch (BackendResponseException ex)
        {
            OllamaLog.ResponseProblem(_logger, _backend, ex.Problem, ex.PartialText?.Length ?? 0, ex.Message);
            throw;
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested && ex.CancellationToken != cancellationToken)
        {
            throw new OperationCanceledException(ex.Message, ex, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!response.Messages.Any(HasAnswer))
        {
            throw Empty(null);
        }

        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        OllamaCallContext.CallerToken = cancellationToken;
        var received = new StringBuilder();
        var answered = false;
        await using var updates = base.GetStreamingResponseAsync(messages, WithKeepAlive(options), cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await updates.MoveNextAsync().ConfigureAwait(false))
                {
                    break;
                }
            }
            catch (BackendResponseException ex)
            {
                var partial = received.Length > 0 ? received.ToString() : null;
                OllamaLog.ResponseProblem(_logger, _backend, ex.Problem, partial?.Length ?? 0, ex.Message);
                throw new BackendResponseException(_backend, ex.Problem, WithoutPrefix(ex), partial, ex.InnerException ?? ex);
            }
            catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested && ex.CancellationToken != cancellationToken)
            {
                throw new OperationCanceledException(ex.Message, ex, cancellationToken);
            }

            var update = updates.Current;
            received.Append(update.Text);
            answered |= update.Text.Length > 0 || update.Contents.Any(c => c is FunctionCallContent);
            yield return update;
        }

        // OllamaSharp stops reading quietly when the token is cancelled: that is a cancellation, not an answer.
        cancellationToken.ThrowIfCancellationRequested();
        if (!answered)
        {
            throw Empty(null);
        }
    }

    private ChatOptions? WithKeepAlive(ChatOptions? options)
    {
        if (_keepAlive is null || options?.AdditionalProperties?.ContainsKey(KeepAliveKey) == true)
        {
            return options;
        }

        var copy = options?.Clone() ?? new ChatOptions();
        copy.AdditionalProperties = copy.AdditionalProperties?.Clone() ?? [];
        copy.AdditionalProperties[KeepAliveKey] = _keepAlive;
        return copy;
    }

    private static bool HasAnswer(ChatMessage message) =>
        message.Text.Length > 0 || message.Contents.Any(c => c is FunctionCallContent);

    private BackendResponseException Empty(string? partial)
    {
        const string reason = "the reply held neither text nor a tool call.";
        OllamaLog.ResponseProblem(_logger, _backend, BackendResponseProblem.Empty, 0, reason);
        return new BackendResponseException(_backend, BackendResponseProblem.Empty, reason, partial);
    }

    private static string WithoutPrefix(BackendResponseException ex)
    {
        var prefix = ex.Backend + ": ";
        return ex.Message.StartsWith(prefix, StringComparison.Ordinal) ? ex.Message[prefix.Length..] : ex.Message;
    }
}
