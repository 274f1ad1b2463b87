using System.Runtime.CompilerServices;
using AgentHost.Backends;
using AgentHost.Connectors.Victoria.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;

namespace AgentHost.Connectors.Victoria;

/// <summary>
/// Semantic Kernel chat completion over the Victoria agent server. It maps the chat history onto a Victoria run and
/// Victoria's reply onto one assistant message; it holds no retry, fallback or health policy.
/// </summary>
/// <remarks>
/// Failures: a non-2xx answer (e.g. 500 <c>{"detail"}</c>) and a lost async task (404) throw <see cref="BackendHttpOperationException"/>;
/// a 200 body whose <c>status</c> is <c>error</c> or <c>failed</c> throws <see cref="BackendResponseException"/> with
/// <see cref="BackendResponseProblem.InBandError"/> and Victoria's text (there is no HTTP error status to report);
/// an unparseable body is <see cref="BackendResponseProblem.Malformed"/>, a reply without text <see cref="BackendResponseProblem.Empty"/>,
/// a dropped connection or a stream cut short <see cref="BackendResponseProblem.Truncated"/>; polling longer than
/// <see cref="VictoriaOptions.PollTimeout"/> throws <see cref="TimeoutException"/>.
/// A <c>needs_clarification</c> reply is an answer: its text lists the questions, its metadata holds them.
/// </remarks>
public sealed class VictoriaChatCompletionService : IChatCompletionService
{
    /// <summary>The model id reported when the options name none: Victoria is one agent, not a model list.</summary>
    public const string DefaultModelId = "victoria";

    private readonly VictoriaClient _client;
    private readonly string _modelId;

    /// <summary>Creates the service over an <see cref="HttpClient"/> whose <c>BaseAddress</c> is Victoria's endpoint.</summary>
    /// <param name="httpClient">The client (its <c>BaseAddress</c> is set from <see cref="BackendOptions.Endpoint"/> when missing).</param>
    /// <param name="options">The connector's options.</param>
    /// <param name="backendName">The backend's name in errors and logs.</param>
    /// <param name="timeProvider">The clock for polling waits; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="loggerFactory">Where to log; nothing when null.</param>
    public VictoriaChatCompletionService(
        HttpClient httpClient, VictoriaOptions options, string backendName = BackendNames.Victoria, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
        : this(Prepare(httpClient, options), options, backendName, timeProvider, loggerFactory)
    {
    }

    internal VictoriaChatCompletionService(
        Func<HttpClient> httpClientFactory, VictoriaOptions options, string backendName, TimeProvider? timeProvider, ILoggerFactory? loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(backendName);
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<VictoriaChatCompletionService>();
        _client = new VictoriaClient(httpClientFactory, options, backendName, timeProvider ?? TimeProvider.System, logger);
        _modelId = string.IsNullOrWhiteSpace(options.Model) ? DefaultModelId : options.Model;
        Attributes = new Dictionary<string, object?>
        {
            [AIServiceExtensions.ModelIdKey] = _modelId,
            [AIServiceExtensions.EndpointKey] = options.Endpoint,
        };
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> Attributes { get; }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default)
    {
        var request = VictoriaRequestMapper.Map(chatHistory, VictoriaPromptExecutionSettings.FromExecutionSettings(executionSettings), _client.Options);
        var reply = await _client.RunAsync(request, cancellationToken).ConfigureAwait(false);
        return [new ChatMessageContent(AuthorRole.Assistant, reply.Text, _modelId, reply, metadata: reply.Metadata)];
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = VictoriaRequestMapper.Map(chatHistory, VictoriaPromptExecutionSettings.FromExecutionSettings(executionSettings), _client.Options);
        if (!_client.Options.UseStreamEndpoint)
        {
            var reply = await _client.RunAsync(request, cancellationToken).ConfigureAwait(false);
            yield return new StreamingChatMessageContent(AuthorRole.Assistant, reply.Text, reply, modelId: _modelId, metadata: reply.Metadata);
            yield break;
        }

        using var response = await _client.OpenStreamAsync(request, cancellationToken).ConfigureAwait(false);
        await foreach (var update in VictoriaStreamReader.ReadAsync(response, _client.Backend, _modelId, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    private static Func<HttpClient> Prepare(HttpClient httpClient, VictoriaOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        httpClient.BaseAddress ??= options.EndpointUri;
        return () => httpClient;
    }
}
