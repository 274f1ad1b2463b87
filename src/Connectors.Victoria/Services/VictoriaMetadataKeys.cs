namespace AgentHost.Connectors.Victoria;

/// <summary>
/// Keys <see cref="VictoriaChatClient"/> puts in the <c>AdditionalProperties</c> of its responses, messages and streamed
/// updates (which SK's <c>AsChatCompletionService</c> adapter turns into <c>Metadata</c>).
/// A key is present only when Victoria's reply carried the value.
/// </summary>
public static class VictoriaMetadataKeys
{
    /// <summary>Victoria's <c>status</c>: <c>success</c>, <c>completed</c>, <c>needs_clarification</c>, ...</summary>
    public const string Status = "status";

    /// <summary>The async task's <c>task_id</c>.</summary>
    public const string TaskId = "task_id";

    /// <summary>Victoria's <c>correlation_id</c> (equals the sent <c>X-Correlation-ID</c> when one was sent).</summary>
    public const string CorrelationId = "correlation_id";

    /// <summary>The method that produced the answer: <c>knowledge.method</c>, else <c>knowledge.execution_trace.method</c>.</summary>
    public const string KnowledgeMethod = "knowledge.method";

    /// <summary>The model Victoria reports: <c>knowledge.metadata.model_used</c>.</summary>
    public const string ModelUsed = "knowledge.model_used";

    /// <summary>Where the answer came from: <c>knowledge.source</c>, else <c>knowledge.metadata.source</c>.</summary>
    public const string Source = "knowledge.source";

    /// <summary>The strategy Victoria chose: <c>knowledge.strategy</c>.</summary>
    public const string Strategy = "knowledge.strategy";

    /// <summary><see langword="true"/> when Victoria cut the answer (the polled <c>output</c> ends with <c>[... ответ обрезан ...]</c>).</summary>
    public const string Truncated = "truncated";

    /// <summary>The questions of a <c>needs_clarification</c> answer, as <c>string[]</c>.</summary>
    public const string ClarificationQuestions = "clarification_questions";

    /// <summary>The goal Victoria asks about (<c>original_goal</c>).</summary>
    public const string OriginalGoal = "original_goal";

    /// <summary>Victoria's suggested restatement of the goal (<c>suggested_restatement</c>).</summary>
    public const string SuggestedRestatement = "suggested_restatement";

    /// <summary>On a streamed progress update (no text): the SSE event type, <c>step</c> or <c>progress</c>.</summary>
    public const string StreamEvent = "victoria.event";

    /// <summary>On a streamed progress update: the event's JSON as Victoria sent it.</summary>
    public const string StreamEventData = "victoria.event_data";
}
