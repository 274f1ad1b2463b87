using System.Text;
using AgentHost.Conversations;
using AgentHost.Fallback;
using Microsoft.Extensions.AI;

namespace AgentHost.Http;

/// <summary>
/// Records chat requests that carry <see cref="IdHeader"/> as turns of that conversation (created if new). It only
/// records: the server never adds the stored history to a request (clients send the whole conversation, OpenAI style).
/// A store failure never fails the answer: one warning line, and <see cref="ErrorHeader"/> on the response (an SSE
/// comment <c>: agent-host: conversation-error: …</c> when the stream's headers are already out).
/// </summary>
internal sealed class ConversationRecorder(IConversationStore store, ILogger<ConversationRecorder> logger)
{
    /// <summary>The request header naming the conversation a chat request's turn belongs to.</summary>
    public const string IdHeader = "x-agent-conversation";

    /// <summary>The response header saying the turn could not be stored, and why.</summary>
    public const string ErrorHeader = "x-agent-conversation-error";

    /// <summary>
    /// The recording of <paramref name="request"/>'s turn when it names a conversation, else null; a header that is not a
    /// valid id is a 400 (<see cref="OpenAIRequestException"/>) before anything is answered.
    /// </summary>
    public TurnRecording? Begin(HttpContext context, ChatCompletionRequest request)
    {
        if (!context.Request.Headers.TryGetValue(IdHeader, out var values))
        {
            return null;
        }

        var id = values.Count == 1 ? values[0]?.Trim() : null;
        if (ConversationId.Problem(id) is { } problem)
        {
            throw OpenAIRequestException.Invalid($"Header {IdHeader}: {problem}", IdHeader, "invalid_conversation_id");
        }

        var user = request.Messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
        return new TurnRecording(this, context, id!, user);
    }

    private async Task<string?> StoreAsync(HttpContext context, string id, ConversationTurn turn)
    {
        try
        {
            // Not the request's token: a caller who went away still gets the turn stored (as interrupted); the store has its own deadline.
            await store.AppendTurnAsync(id, turn, CancellationToken.None);
            return null;
        }
        catch (Exception e)
        {
            // Whatever the store throws (ConversationStoreException for a database that is down or full, anything else for a
            // bug), the answer must still go out: the failure is logged and told in a header, never the response's status.
            var message = e is ConversationStoreException ? e.Message : $"The conversation store failed: {e.Message}";
            logger.ConversationNotStored(id, message);
            if (!context.Response.HasStarted)
            {
                context.Response.Headers[ErrorHeader] = AsHeaderValue(message);
            }

            return message;
        }
    }

    /// <summary>The message as a header value: one line of printable ASCII (a path or a server's text may hold anything else, which Kestrel refuses).</summary>
    internal static string AsHeaderValue(string message) =>
        string.Concat(message.ReplaceLineEndings(" ").Select(c => c is >= ' ' and <= '~' ? c : '?'));

    /// <summary>One request's turn being recorded: the text streamed so far and who answered; stored once, by the first Finish.</summary>
    internal sealed class TurnRecording(ConversationRecorder recorder, HttpContext context, string id, string userText)
    {
        private readonly StringBuilder _text = new();
        private FallbackReport? _report;
        private string? _model;

        /// <summary>The conversation id.</summary>
        public string Id => id;

        /// <summary>Whether the turn was stored (or its storing was tried).</summary>
        public bool Finished { get; private set; }

        /// <summary>Adds answer text as it goes out.</summary>
        public void Add(string text) => _text.Append(text);

        /// <summary>Notes who answered (the report's backend and model; <paramref name="model"/> when the report names none).</summary>
        public void Answered(FallbackReport? report, string? model)
        {
            _report = report ?? _report;
            _model = report?.Model ?? model ?? _model;
        }

        /// <summary>Stores the turn with <paramref name="status"/>; returns the store's error, or null when it was stored.</summary>
        public Task<string?> FinishAsync(TurnStatus status, string? error = null)
        {
            if (Finished)
            {
                return Task.FromResult<string?>(null);
            }

            Finished = true;
            return recorder.StoreAsync(context, id, new ConversationTurn(userText, _text.ToString(), _report?.Backend, _report?.Backend is null ? null : _model, status, error));
        }
    }
}
