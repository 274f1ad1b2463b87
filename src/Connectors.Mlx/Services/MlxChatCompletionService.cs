using System.Runtime.CompilerServices;
using System.Text;
using AgentHost.Backends;
using AgentHost.Connectors.Mlx.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;

namespace AgentHost.Connectors.Mlx;

/// <summary>
/// Semantic Kernel chat completion over the MLX API Server (or <c>mlx_lm.server</c>). It maps settings and history to
/// the configured <see cref="MlxProtocol"/> and reports unusable replies as <see cref="BackendResponseException"/> and
/// error statuses as <see cref="BackendHttpOperationException"/>; it never retries or falls back.
/// </summary>
public sealed class MlxChatCompletionService : IChatCompletionService
{
    private readonly MlxClient _client;
    private readonly Func<MlxOptions> _currentOptions;
    private readonly ILogger _logger;

    /// <summary>Creates the service. Prefer the <c>AddMlxChatCompletion</c> extension methods.</summary>
    /// <param name="httpClient">The client to send with (its timeout bounds each request).</param>
    /// <param name="options">Validated options.</param>
    /// <param name="loggerFactory">Where to log; nothing is logged when null.</param>
    /// <param name="timeProvider">The clock for <c>Retry-After</c> dates.</param>
    /// <param name="name">The backend name used in exceptions and logs.</param>
    public MlxChatCompletionService(HttpClient httpClient, MlxOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, string name = BackendNames.Mlx)
        : this(httpClient, () => options ?? throw new ArgumentNullException(nameof(options)), loggerFactory, timeProvider, name)
    {
        ArgumentNullException.ThrowIfNull(options);
    }

    /// <summary>
    /// Creates the service over options read at each call (e.g. <c>IOptionsMonitor&lt;MlxOptions&gt;.Get(name)</c>), so a
    /// reloaded endpoint, model or protocol is used by the next call. What the <c>AddMlxChatCompletion</c> methods register.
    /// </summary>
    /// <param name="httpClient">The client to send with (its timeout bounds each request).</param>
    /// <param name="currentOptions">Returns the options in force now (validated).</param>
    /// <param name="loggerFactory">Where to log; nothing is logged when null.</param>
    /// <param name="timeProvider">The clock for <c>Retry-After</c> dates.</param>
    /// <param name="name">The backend name used in exceptions and logs.</param>
    public MlxChatCompletionService(HttpClient httpClient, Func<MlxOptions> currentOptions, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, string name = BackendNames.Mlx)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(currentOptions);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _currentOptions = currentOptions;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<MlxChatCompletionService>();
        _client = new MlxClient(httpClient, currentOptions, name, _logger, timeProvider ?? TimeProvider.System);
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> Attributes => new Dictionary<string, object?>
    {
        [AIServiceExtensions.ModelIdKey] = Options.Model,
        [AIServiceExtensions.EndpointKey] = Options.Endpoint,
    };

    private MlxOptions Options => _currentOptions();

    /// <inheritdoc />
    public async Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default)
    {
        var call = ToCall(chatHistory, executionSettings);
        var reply = await _client.CompleteAsync(call, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(reply.Text))
        {
            MlxLog.Empty(_logger, _client.Backend);
            throw new BackendResponseException(_client.Backend, BackendResponseProblem.Empty, "The reply held no answer.", reply.Text);
        }

        return [new ChatMessageContent(AuthorRole.Assistant, reply.Text, reply.Model ?? call.Model, metadata: Metadata(reply.PromptTokens, reply.CompletionTokens, reply.DoneReason))];
    }

    /// <inheritdoc />
    /// <remarks>
    /// With <see cref="MlxProtocol.Generate"/> and <see cref="MlxProtocol.Chat"/> the server generates the whole answer
    /// before it streams it, so the first update arrives only when generation is over. Leading whitespace is held back
    /// until real text arrives, so an answer of nothing but whitespace ends in <see cref="BackendResponseProblem.Empty"/>
    /// before anything was streamed.
    /// </remarks>
    public async IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var call = ToCall(chatHistory, executionSettings);
        var held = new StringBuilder();
        var started = false;
        string? model = null, doneReason = null;
        int? promptTokens = null, completionTokens = null;
        await foreach (var reply in _client.StreamAsync(call, cancellationToken).ConfigureAwait(false))
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
            yield return new StreamingChatMessageContent(AuthorRole.Assistant, text, modelId: model ?? call.Model);
        }

        if (!started)
        {
            MlxLog.Empty(_logger, _client.Backend);
            throw new BackendResponseException(_client.Backend, BackendResponseProblem.Empty, "The stream held no answer.", held.ToString());
        }

        if (Metadata(promptTokens, completionTokens, doneReason) is { Count: > 1 } metadata)
        {
            yield return new StreamingChatMessageContent(AuthorRole.Assistant, content: null, modelId: model ?? call.Model, metadata: metadata);
        }
    }

    private MlxCall ToCall(ChatHistory chatHistory, PromptExecutionSettings? executionSettings)
    {
        ArgumentNullException.ThrowIfNull(chatHistory);
        var settings = MlxPromptExecutionSettings.FromExecutionSettings(executionSettings);
        var maxTokens = settings.MaxTokens ?? Options.MaxTokens;
        if (maxTokens <= 0)
        {
            throw new ArgumentException($"max_tokens must be positive (was {maxTokens}).", nameof(executionSettings));
        }

        var category = settings.Category ?? Options.Category;
        if (category is not null && !MlxOptions.IsKnownCategory(category))
        {
            throw new ArgumentException($"Category '{category}' is not one of {string.Join(", ", MlxOptions.KnownCategories)}.", nameof(executionSettings));
        }

        if (chatHistory.Count == 0)
        {
            throw new ArgumentException("The chat history is empty.", nameof(chatHistory));
        }

        return new MlxCall(
            [.. chatHistory],
            string.IsNullOrWhiteSpace(settings.ModelId) ? Options.Model : settings.ModelId,
            category?.ToLowerInvariant(),
            maxTokens,
            settings.Temperature,
            settings.TopP,
            settings.Stop);
    }

    private Dictionary<string, object?> Metadata(int? promptTokens, int? completionTokens, string? doneReason)
    {
        var metadata = new Dictionary<string, object?> { [MlxMetadataKeys.Protocol] = Options.Protocol.ToString() };
        if (promptTokens is { } p)
        {
            metadata[MlxMetadataKeys.PromptTokens] = p;
        }

        if (completionTokens is { } c)
        {
            metadata[MlxMetadataKeys.CompletionTokens] = c;
        }

        if (doneReason is not null)
        {
            metadata[MlxMetadataKeys.DoneReason] = doneReason;
        }

        return metadata;
    }
}
