using System.Runtime.CompilerServices;
using System.Text;
using AgentHost.Backends;
using AgentHost.Connectors.Mlx.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentHost.Connectors.Mlx;

/// <summary>
/// The MLX API Server (or <c>mlx_lm.server</c>) as an <see cref="IChatClient"/>. It maps messages and
/// <see cref="ChatOptions"/> to the configured <see cref="MlxProtocol"/> and the reply to a <see cref="ChatResponse"/>
/// (model, finish reason, <see cref="UsageDetails"/>, <see cref="MlxMetadataKeys"/> in <c>AdditionalProperties</c>);
/// unusable replies throw <see cref="BackendResponseException"/>, error statuses <see cref="BackendHttpOperationException"/>.
/// It never retries or falls back. Its SK face is <c>AsChatCompletionService()</c>, which the <c>AddMlx…</c> methods register.
/// </summary>
/// <remarks>
/// <see cref="ChatOptions.AdditionalProperties"/> may carry <c>category</c> and <c>priority</c> (see <see cref="MlxOptions.Category"/>,
/// <see cref="MlxOptions.Priority"/>). The options are read once per call, so a reloaded endpoint, model or protocol is used by
/// the next call. Thread-safe: calls share nothing but the <see cref="HttpClient"/>.
/// </remarks>
public sealed class MlxChatClient : IChatClient
{
    private const string ProviderName = "mlx";

    private readonly MlxClient _client;
    private readonly Func<MlxOptions> _currentOptions;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the client over fixed options. Prefer the <c>AddMlxChatClient</c> extension methods.</summary>
    /// <param name="httpClient">The client to send with (its timeout bounds each request).</param>
    /// <param name="options">Validated options.</param>
    /// <param name="loggerFactory">Where to log; nothing is logged when null.</param>
    /// <param name="timeProvider">The clock for <c>Retry-After</c> dates and response times.</param>
    /// <param name="name">The backend name used in exceptions and logs.</param>
    public MlxChatClient(HttpClient httpClient, MlxOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, string name = BackendNames.Mlx)
        : this(httpClient, () => options, loggerFactory, timeProvider, name)
    {
        ArgumentNullException.ThrowIfNull(options);
    }

    /// <summary>
    /// Creates the client over options read at each call (e.g. <c>IOptionsMonitor&lt;MlxOptions&gt;.Get(name)</c>), so a
    /// reloaded endpoint, model or protocol is used by the next call. What the <c>AddMlxChatClient</c> methods register.
    /// </summary>
    /// <param name="httpClient">The client to send with (its timeout bounds each request).</param>
    /// <param name="currentOptions">Returns the options in force now (validated).</param>
    /// <param name="loggerFactory">Where to log; nothing is logged when null.</param>
    /// <param name="timeProvider">The clock for <c>Retry-After</c> dates and response times.</param>
    /// <param name="name">The backend name used in exceptions and logs.</param>
    public MlxChatClient(HttpClient httpClient, Func<MlxOptions> currentOptions, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, string name = BackendNames.Mlx)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(currentOptions);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _currentOptions = currentOptions;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<MlxChatClient>();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _client = new MlxClient(httpClient, name, _logger, _timeProvider);
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var current = _currentOptions();
        var call = MlxCallFactory.Create(messages, options, current);
        var reply = await _client.CompleteAsync(call, current, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(reply.Text))
        {
            MlxLog.Empty(_logger, _client.Backend);
            throw new BackendResponseException(_client.Backend, BackendResponseProblem.Empty, "The reply held no answer.", reply.Text);
        }

        var metadata = new MlxReplyMetadata(current.Protocol, reply.PromptTokens, reply.CompletionTokens, reply.DoneReason);
        var id = NewId();
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, reply.Text) { MessageId = id, AdditionalProperties = metadata.Properties() })
        {
            ResponseId = id,
            ModelId = reply.Model ?? call.Model,
            CreatedAt = _timeProvider.GetUtcNow(),
            FinishReason = metadata.FinishReason(),
            Usage = metadata.Usage(),
            AdditionalProperties = metadata.Properties(),
        };
    }

    /// <inheritdoc />
    /// <remarks>
    /// With <see cref="MlxProtocol.Generate"/> and <see cref="MlxProtocol.Chat"/> the server generates the whole answer
    /// before it streams it, so the first update arrives only when generation is over. Leading whitespace is held back
    /// until real text arrives, so an answer of nothing but whitespace ends in <see cref="BackendResponseProblem.Empty"/>
    /// before anything was streamed. When the server sent usage or a done reason, a last update without text carries
    /// them (a <see cref="UsageContent"/>, the finish reason and the <see cref="MlxMetadataKeys"/>).
    /// </remarks>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var current = _currentOptions();
        var call = MlxCallFactory.Create(messages, options, current);
        var id = NewId();
        var held = new StringBuilder();
        var started = false;
        string? model = null, doneReason = null;
        int? promptTokens = null, completionTokens = null;
        await foreach (var reply in _client.StreamAsync(call, current, cancellationToken).ConfigureAwait(false))
        {
            model ??= reply.Model;
            doneReason ??= reply.DoneReason;
            promptTokens ??= reply.PromptTokens;
            completionTokens ??= reply.CompletionTokens;
            if (string.IsNullOrEmpty(reply.Text))
            {
                continue;
            }

            if (!started && string.IsNullOrWhiteSpace(reply.Text))
            {
                held.Append(reply.Text);
                continue;
            }

            var text = started ? reply.Text : held.Append(reply.Text).ToString();
            started = true;
            yield return Update(id, model ?? call.Model, [new TextContent(text)]);
        }

        if (!started)
        {
            MlxLog.Empty(_logger, _client.Backend);
            throw new BackendResponseException(_client.Backend, BackendResponseProblem.Empty, "The stream held no answer.", held.ToString());
        }

        var metadata = new MlxReplyMetadata(current.Protocol, promptTokens, completionTokens, doneReason);
        if (metadata.HasServerValues)
        {
            var last = Update(id, model ?? call.Model, metadata.Usage() is { } usage ? [new UsageContent(usage)] : []);
            last.FinishReason = metadata.FinishReason();
            last.AdditionalProperties = metadata.Properties();
            yield return last;
        }
    }

    /// <inheritdoc />
    /// <remarks><see cref="ChatClientMetadata"/> is built from the options in force now (provider <c>mlx</c>, endpoint, model).</remarks>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            var options = _currentOptions();
            return new ChatClientMetadata(ProviderName, options.EndpointUri, options.Model);
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The HttpClient belongs to whoever passed it in (IHttpClientFactory in DI).
    }

    private ChatResponseUpdate Update(string id, string? modelId, IList<AIContent> contents) => new(ChatRole.Assistant, contents)
    {
        ResponseId = id,
        MessageId = id,
        ModelId = modelId,
        CreatedAt = _timeProvider.GetUtcNow(),
    };

    private static string NewId() => Guid.NewGuid().ToString("N");
}
