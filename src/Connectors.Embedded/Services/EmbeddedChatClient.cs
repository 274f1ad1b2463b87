using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using AgentHost.Backends;
using LLama;
using LLama.Native;
using LLama.Sampling;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AgentHost.Connectors.Embedded;

/// <summary>
/// The embedded backend as an <see cref="IChatClient"/>: renders the chat with the model's own template, then
/// generates token by token in a context of its own (the weights are shared, loaded once), streaming each piece of
/// text as it is decoded. The answer is always bounded: <see cref="EmbeddedBackendOptions.MaxTokens"/>, lowered by a
/// request's <see cref="ChatOptions.MaxOutputTokens"/>. Cancelling the caller's token stops generation within one token.
/// No tool calling: tools in the options are ignored (the chain does not send tool-requiring steps here).
/// </summary>
public sealed class EmbeddedChatClient : IChatClient
{
    private readonly string _backend;
    private readonly EmbeddedModel _model;
    private readonly EmbeddedBackendOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _turns;
    private readonly ChatClientMetadata _metadata;

    internal EmbeddedChatClient(string backend, EmbeddedModel model, TimeProvider time, ILogger logger)
    {
        _backend = backend;
        _model = model;
        _options = model.Options;
        _time = time;
        _logger = logger;
        _turns = new SemaphoreSlim(Math.Max(1, _options.MaxConcurrentRequests));
        _metadata = new ChatClientMetadata("llama.cpp", _options.FullModelPath is { } p ? new Uri(p) : null, _options.Model);
    }

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var history = messages.ToList();
        var maxTokens = options?.MaxOutputTokens is int requested && requested > 0 ? Math.Min(requested, _options.MaxTokens) : _options.MaxTokens;
        var responseId = Guid.NewGuid().ToString("N");
        var modelId = _options.Model;

        await _turns.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var lease = await _model.AcquireAsync(cancellationToken).ConfigureAwait(false);
            var weights = lease.Weights;
            var modelInfo = _options.InspectModel(out _);
            using var context = weights.CreateContext(_model.CreateParams(modelInfo), _logger);
            var prompt = EmbeddedPromptRenderer.Render(weights, history);
            var tokens = context.Tokenize(prompt, true, true).ToList();
            if (tokens.Count >= context.ContextSize)
            {
                throw new BackendHttpOperationException(_backend, HttpStatusCode.RequestEntityTooLarge,
                    $"the prompt of {tokens.Count} tokens does not fit the context window of {context.ContextSize} tokens", null, null);
            }

            var started = Stopwatch.GetTimestamp();
            var batch = new LLamaBatch();
            var (result, _, past) = await context.DecodeAsync(tokens, LLamaSeqId.Zero, batch, 0, cancellationToken).ConfigureAwait(false);
            ThrowIfFailed(result, string.Empty);

            using var sampler = CreateSampler(options);
            var decoder = new StreamingTokenDecoder(context);
            var text = new System.Text.StringBuilder();
            var generated = 0;
            var finish = ChatFinishReason.Length;
            while (generated < maxTokens)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (past >= context.ContextSize)
                {
                    break; // the context is full: the answer ends here (finish reason: length)
                }

                var token = sampler.Sample(context.NativeHandle, batch.TokenCount - 1);
                if (token.IsEndOfGeneration(weights.Vocab))
                {
                    finish = ChatFinishReason.Stop;
                    break;
                }

                generated++;
                decoder.Add(token);
                var piece = decoder.Read();
                if (piece.Length > 0)
                {
                    text.Append(piece);
                    yield return Update(responseId, modelId, [new TextContent(piece)]);
                }

                batch.Clear();
                batch.Add(token, past++, LLamaSeqId.Zero, true);
                ThrowIfFailed(await context.DecodeAsync(batch, cancellationToken).ConfigureAwait(false), text.ToString());
            }

            cancellationToken.ThrowIfCancellationRequested();
            EmbeddedLog.Generated(_logger, _backend, generated, tokens.Count, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, finish.ToString());
            if (text.Length == 0)
            {
                throw new BackendResponseException(_backend, BackendResponseProblem.Empty, "the model produced no text.");
            }

            var last = Update(responseId, modelId, [new UsageContent(new UsageDetails
            {
                InputTokenCount = tokens.Count,
                OutputTokenCount = generated,
                TotalTokenCount = tokens.Count + generated,
            })]);
            last.FinishReason = finish;
            yield return last;
        }
        finally
        {
            _turns.Release();
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The model is owned by the service provider (shared by this client, the health check and the catalog).
    }

    private ChatResponseUpdate Update(string responseId, string? modelId, IList<AIContent> contents) => new(ChatRole.Assistant, contents)
    {
        ResponseId = responseId,
        MessageId = responseId,
        ModelId = modelId,
        CreatedAt = _time.GetUtcNow(),
    };

    private static DefaultSamplingPipeline CreateSampler(ChatOptions? options)
    {
        using var defaults = new DefaultSamplingPipeline();
        return new DefaultSamplingPipeline
        {
            Temperature = options?.Temperature ?? defaults.Temperature,
            TopP = options?.TopP ?? defaults.TopP,
            TopK = options?.TopK ?? defaults.TopK,
            Seed = options?.Seed is { } seed ? unchecked((uint)seed) : defaults.Seed,
        };
    }

    private void ThrowIfFailed(DecodeResult result, string partialText)
    {
        if (result != DecodeResult.Ok)
        {
            throw new BackendResponseException(_backend, partialText.Length > 0 ? BackendResponseProblem.Truncated : BackendResponseProblem.InBandError,
                $"llama.cpp decode failed ({result}).", partialText.Length > 0 ? partialText : null);
        }
    }
}
