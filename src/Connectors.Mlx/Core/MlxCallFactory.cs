using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace AgentHost.Connectors.Mlx.Core;

/// <summary>
/// Merges one call's <see cref="ChatOptions"/> with the connector's <see cref="MlxOptions"/> into an <see cref="MlxCall"/>,
/// refusing unusable values before anything is sent.
/// </summary>
/// <remarks>
/// The typed options win (<see cref="ChatOptions.ModelId"/>, <see cref="ChatOptions.MaxOutputTokens"/>,
/// <see cref="ChatOptions.Temperature"/>, <see cref="ChatOptions.TopP"/>, <see cref="ChatOptions.StopSequences"/>);
/// <see cref="ChatOptions.AdditionalProperties"/> carry the rest under the names <see cref="MlxPromptExecutionSettings"/>
/// reads (<c>category</c>, <c>max_tokens</c> / <c>num_predict</c>, <c>stop</c>, ...) plus <see cref="PriorityKey"/>,
/// so SK settings that crossed SK's <c>AsChatCompletionService</c> adapter as extension data still count.
/// <see cref="ChatOptions.Instructions"/> are sent as a leading system message.
/// </remarks>
internal static class MlxCallFactory
{
    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key of a per-call <see cref="MlxRequestPriority"/> (or its name).</summary>
    public const string PriorityKey = "priority";

    public static MlxCall Create(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions, MlxOptions options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var extras = MlxPromptExecutionSettings.FromExecutionSettings(new PromptExecutionSettings
        {
            ExtensionData = chatOptions?.AdditionalProperties?
                .Where(p => p.Value is not null)
                .ToDictionary(p => p.Key, p => p.Value!, StringComparer.OrdinalIgnoreCase),
        });

        var maxTokens = chatOptions?.MaxOutputTokens ?? extras.MaxTokens ?? options.MaxTokens;
        if (maxTokens <= 0)
        {
            throw new ArgumentException($"max_tokens must be positive (was {maxTokens}).", nameof(chatOptions));
        }

        var category = extras.Category ?? options.Category;
        if (category is not null && !MlxOptions.IsKnownCategory(category))
        {
            throw new ArgumentException($"Category '{category}' is not one of {string.Join(", ", MlxOptions.KnownCategories)}.", nameof(chatOptions));
        }

        List<ChatMessage> history = [.. messages];
        if (!string.IsNullOrWhiteSpace(chatOptions?.Instructions))
        {
            history.Insert(0, new ChatMessage(ChatRole.System, chatOptions.Instructions));
        }

        if (history.Count == 0)
        {
            throw new ArgumentException("The chat history is empty.", nameof(messages));
        }

        return new MlxCall(
            history,
            string.IsNullOrWhiteSpace(chatOptions?.ModelId) ? options.Model : chatOptions.ModelId,
            category?.ToLowerInvariant(),
            maxTokens,
            chatOptions?.Temperature ?? extras.Temperature,
            chatOptions?.TopP ?? extras.TopP,
            chatOptions?.StopSequences is { Count: > 0 } stop ? stop : extras.Stop,
            Priority(chatOptions) ?? options.Priority);
    }

    private static MlxRequestPriority? Priority(ChatOptions? chatOptions) =>
        chatOptions?.AdditionalProperties?.TryGetValue(PriorityKey, out var value) != true || value is null ? null
        : value is MlxRequestPriority priority && Enum.IsDefined(priority) ? priority
        : value is string name && Enum.TryParse<MlxRequestPriority>(name, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed
        : throw new ArgumentException($"Priority '{value}' is not one of {string.Join(", ", Enum.GetNames<MlxRequestPriority>())}.", nameof(chatOptions));
}
