using System.Runtime.CompilerServices;
using AgentHost.Backends;
using AgentHost.Connectors.Victoria.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentHost.Connectors.Victoria;

/// <summary>
/// The Victoria agent server as an <see cref="IChatClient"/>. It maps the messages onto a Victoria run and Victoria's
/// reply onto one assistant message (the <see cref="VictoriaMetadataKeys"/> in its <c>AdditionalProperties</c>); it holds
/// no retry, fallback or health policy. Its SK face is <c>AsChatCompletionService()</c>, which the <c>AddVictoria…</c>
/// methods register.
/// </summary>
/// <remarks>
/// <para>Failures: a non-2xx answer (e.g. 500 <c>{"detail"}</c>) and a lost async task (404) throw <see cref="BackendHttpOperationException"/>;
/// a 200 body whose <c>status</c> is <c>error</c> or <c>failed</c> throws <see cref="BackendResponseException"/> with
/// <see cref="BackendResponseProblem.InBandError"/> and Victoria's text (there is no HTTP error status to report);
/// an unparseable body is <see cref="BackendResponseProblem.Malformed"/>, a reply without text <see cref="BackendResponseProblem.Empty"/>,
/// a dropped connection or a stream cut short <see cref="BackendResponseProblem.Truncated"/>; polling longer than
/// <see cref="VictoriaOptions.PollTimeout"/> throws <see cref="TimeoutException"/>.
/// A <c>needs_clarification</c> reply is an answer: its text lists the questions, its metadata holds them.</para>
/// <para><see cref="ChatOptions.AdditionalProperties"/> may carry <c>max_steps</c>, <c>session_id</c> and
/// <c>victoria_operation</c> (<c>plan</c>: <c>POST /plan</c>, a plan without execution; see <see cref="VictoriaPromptExecutionSettings"/>). The options are read once per call, so a reloaded endpoint, mode
/// or model is used by the next call. Thread-safe: calls share nothing but the HTTP client source.</para>
/// </remarks>
public sealed class VictoriaChatClient : IChatClient
{
    /// <summary>The model id reported when the options name none: Victoria is one agent, not a model list.</summary>
    public const string DefaultModelId = "victoria";

    private const string ProviderName = "victoria";

    private readonly VictoriaClient _client;
    private readonly Func<VictoriaOptions> _currentOptions;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the client over an <see cref="HttpClient"/> and fixed options. Prefer the <c>AddVictoriaChatClient</c> extension methods.</summary>
    /// <param name="httpClient">The client to send with (requests go to <see cref="BackendOptions.Endpoint"/>; its timeout bounds each request).</param>
    /// <param name="options">The connector's options.</param>
    /// <param name="backendName">The backend's name in errors and logs.</param>
    /// <param name="timeProvider">The clock for polling waits; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="loggerFactory">Where to log; nothing when null.</param>
    public VictoriaChatClient(
        HttpClient httpClient, VictoriaOptions options, string backendName = BackendNames.Victoria, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
        : this(Fixed(httpClient), Fixed(options), backendName, timeProvider, loggerFactory)
    {
    }

    /// <summary>
    /// Creates the client over a source of HTTP clients (e.g. <c>IHttpClientFactory</c>) and options read at each call
    /// (e.g. <c>IOptionsMonitor&lt;VictoriaOptions&gt;.Get(name)</c>). What the <c>AddVictoriaChatClient</c> methods register.
    /// </summary>
    /// <param name="httpClient">Returns the client for one call.</param>
    /// <param name="currentOptions">Returns the options in force now (validated).</param>
    /// <param name="backendName">The backend's name in errors and logs.</param>
    /// <param name="timeProvider">The clock for polling waits; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="loggerFactory">Where to log; nothing when null.</param>
    public VictoriaChatClient(
        Func<HttpClient> httpClient, Func<VictoriaOptions> currentOptions, string backendName = BackendNames.Victoria, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(currentOptions);
        ArgumentException.ThrowIfNullOrWhiteSpace(backendName);
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<VictoriaChatClient>();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _currentOptions = currentOptions;
        _client = new VictoriaClient(httpClient, backendName, _timeProvider, logger);
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var current = _currentOptions();
        var request = VictoriaRequestMapper.Map(messages, options, current);
        var reply = await AskAsync(request, current, cancellationToken).ConfigureAwait(false);
        var id = NewId();
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, reply.Text) { MessageId = id, AdditionalProperties = Properties(reply) })
        {
            ResponseId = id,
            ModelId = ModelId(current),
            CreatedAt = _timeProvider.GetUtcNow(),
            FinishReason = FinishReason(reply),
            AdditionalProperties = Properties(reply),
        };
    }

    /// <inheritdoc />
    /// <remarks>
    /// Without <see cref="VictoriaOptions.UseStreamEndpoint"/> the answer arrives as one update once it is ready. With it,
    /// <c>POST /stream</c>'s chunks are text updates and its progress events updates without contents.
    /// </remarks>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var current = _currentOptions();
        var request = VictoriaRequestMapper.Map(messages, options, current);
        var id = NewId();
        var modelId = ModelId(current);
        if (!current.UseStreamEndpoint || request.Operation == VictoriaOperation.Plan)
        {
            var reply = await AskAsync(request, current, cancellationToken).ConfigureAwait(false);
            var whole = Update(id, modelId);
            whole.Contents.Add(new TextContent(reply.Text));
            whole.FinishReason = FinishReason(reply);
            whole.AdditionalProperties = Properties(reply);
            yield return whole;
            yield break;
        }

        using var response = await _client.OpenStreamAsync(request, current, cancellationToken).ConfigureAwait(false);
        await foreach (var update in VictoriaStreamReader.ReadAsync(response, _client.Backend, () => Update(id, modelId), cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    /// <inheritdoc />
    /// <remarks><see cref="ChatClientMetadata"/> is built from the options in force now (provider <c>victoria</c>, endpoint, model).</remarks>
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
            return new ChatClientMetadata(ProviderName, options.EndpointUri, ModelId(options));
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The HTTP clients belong to their source (IHttpClientFactory in DI, the caller otherwise).
    }

    private Task<VictoriaReply> AskAsync(VictoriaRunRequest request, VictoriaOptions options, CancellationToken cancellationToken) =>
        request.Operation == VictoriaOperation.Plan
            ? _client.PlanAsync(request, options, cancellationToken)
            : _client.RunAsync(request, options, cancellationToken);

    /// <summary>The model id Victoria answers under: <see cref="BackendOptions.Model"/>, else <see cref="DefaultModelId"/>.</summary>
    internal static string ModelId(VictoriaOptions options) => string.IsNullOrWhiteSpace(options.Model) ? DefaultModelId : options.Model;

    private static AdditionalPropertiesDictionary Properties(VictoriaReply reply) => new(reply.Metadata);

    /// <summary><see cref="ChatFinishReason.Length"/> when Victoria cut the answer, else <see cref="ChatFinishReason.Stop"/>.</summary>
    private static ChatFinishReason FinishReason(VictoriaReply reply) =>
        reply.Metadata.TryGetValue(VictoriaMetadataKeys.Truncated, out var truncated) && truncated is true ? ChatFinishReason.Length : ChatFinishReason.Stop;

    private ChatResponseUpdate Update(string id, string modelId) => new()
    {
        Role = ChatRole.Assistant,
        ResponseId = id,
        MessageId = id,
        ModelId = modelId,
        CreatedAt = _timeProvider.GetUtcNow(),
    };

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static Func<T> Fixed<T>(T value)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(value);
        return () => value;
    }
}
