using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Tests.Support;

/// <summary>A scripted backend: each call runs the next script step (the last one repeats).</summary>
public sealed class FakeChatClient : IChatClient
{
    private readonly List<Func<CallInfo, IAsyncEnumerable<ChatResponseUpdate>>> _steps = [];
    private int _calls;

    public FakeChatClient(string name) => Name = name;

    public string Name { get; }

    public int Calls => Volatile.Read(ref _calls);

    public List<CallInfo> Received { get; } = [];

    /// <summary>Answers with <paramref name="chunks"/> (streamed one by one; joined when not streaming).</summary>
    public FakeChatClient Answers(params string[] chunks) => Then(_ => Stream(chunks));

    /// <summary>Throws <paramref name="exception"/> before any content.</summary>
    public FakeChatClient Throws(Exception exception) => Then(_ => Fail(exception));

    /// <summary>Runs a custom step.</summary>
    public FakeChatClient Then(Func<CallInfo, IAsyncEnumerable<ChatResponseUpdate>> step)
    {
        _steps.Add(step);
        return this;
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in Next(messages, options, false, cancellationToken).WithCancellation(cancellationToken))
        {
            updates.Add(u);
        }

        var response = updates.ToChatResponse();
        response.ModelId ??= Name.ToLowerInvariant() + "-model";
        return response;
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Next(messages, options, true, cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata(Name, null, Name.ToLowerInvariant() + "-model") : null;

    public void Dispose()
    {
    }

    private IAsyncEnumerable<ChatResponseUpdate> Next(IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming, CancellationToken token)
    {
        var n = Interlocked.Increment(ref _calls);
        var info = new CallInfo(n, [.. messages], options, streaming, token);
        lock (Received)
        {
            Received.Add(info);
        }

        if (_steps.Count == 0)
        {
            throw new InvalidOperationException($"{Name} has no script.");
        }

        return _steps[Math.Min(n - 1, _steps.Count - 1)](info);
    }

    public static async IAsyncEnumerable<ChatResponseUpdate> Stream(IEnumerable<string> chunks, [EnumeratorCancellation] CancellationToken token = default)
    {
        await Task.Yield();
        foreach (var chunk in chunks)
        {
            token.ThrowIfCancellationRequested();
            yield return new ChatResponseUpdate(ChatRole.Assistant, chunk) { MessageId = "m1" };
        }
    }

    public static async IAsyncEnumerable<ChatResponseUpdate> Fail(Exception exception)
    {
        await Task.Yield();
        if (exception is not null)
        {
            throw exception;
        }

        yield break;
    }
}

public sealed record CallInfo(int Number, IReadOnlyList<ChatMessage> Messages, ChatOptions? Options, bool Streaming, CancellationToken Token);
