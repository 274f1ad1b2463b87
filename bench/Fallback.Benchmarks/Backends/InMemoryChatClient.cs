using System.Net.Http;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Benchmarks.Backends;

/// <summary>What an in-memory backend does with a call.</summary>
public enum InMemoryBehavior
{
    /// <summary>Answers with one canned <see cref="ChatResponse"/> (the same instance every call) or a canned 2-update stream.</summary>
    Canned,

    /// <summary>Answers with a new <see cref="ChatResponse"/> per call, as a real connector does (one message, one text).</summary>
    Fresh,

    /// <summary>Throws "connection refused" (an <see cref="HttpRequestException"/>, not retried by the chain), as a dead server does.</summary>
    Refusing,
}

/// <summary>
/// An allocation-light backend: no network, no awaits. Non-streaming answers come from a completed
/// <see cref="Task{TResult}"/> made per call (72 B, the cost of the direct-call baseline); the stream is two canned updates.
/// </summary>
public sealed class InMemoryChatClient : IChatClient
{
    public const string Answer = "Hello from memory.";

    private readonly ChatClientMetadata _metadata;
    private readonly ChatResponse _canned;
    private readonly ChatResponseUpdate _first;
    private readonly ChatResponseUpdate _second;

    public InMemoryChatClient(string name, InMemoryBehavior behavior)
    {
        Name = name;
        Behavior = behavior;
        _metadata = new ChatClientMetadata(name, null, "in-memory-model");
        _canned = NewResponse();
        _first = new ChatResponseUpdate(ChatRole.Assistant, "Hello ") { ModelId = "in-memory-model", MessageId = "m1", ResponseId = "r1" };
        _second = new ChatResponseUpdate(ChatRole.Assistant, "from memory.") { ModelId = "in-memory-model", MessageId = "m1", ResponseId = "r1" };
    }

    public string Name { get; }

    public InMemoryBehavior Behavior { get; set; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Behavior switch
        {
            InMemoryBehavior.Canned => Task.FromResult(_canned),
            InMemoryBehavior.Fresh => Task.FromResult(NewResponse()),
            _ => RefuseAsync(),
        };

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default) =>
        Behavior == InMemoryBehavior.Refusing ? ThrowingStream() : CannedStream();

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }

    private static ChatResponse NewResponse() => new(new ChatMessage(ChatRole.Assistant, Answer)) { ModelId = "in-memory-model", ResponseId = "r1" };

    // Thrown inside an async method, as a connector's HttpClient call would: a throw here, a rethrow at the caller's await.
    private static async Task<ChatResponse> RefuseAsync()
    {
        await Task.CompletedTask.ConfigureAwait(false);
        throw Refused();
    }

    private static HttpRequestException Refused() => new(HttpRequestError.ConnectionError, "Connection refused (in-memory)");

#pragma warning disable CS1998 // Async method lacks 'await': a synchronous in-memory stream is the point.
    private async IAsyncEnumerable<ChatResponseUpdate> CannedStream([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return _first;
        yield return _second;
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> ThrowingStream()
    {
        throw Refused();
#pragma warning disable CS0162 // Unreachable: an iterator needs a yield.
        yield break;
#pragma warning restore CS0162
    }
#pragma warning restore CS1998
}
