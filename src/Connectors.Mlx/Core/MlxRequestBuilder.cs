using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentHost.Backends;
using Microsoft.Extensions.AI;

namespace AgentHost.Connectors.Mlx.Core;

/// <summary>What one chat call asks for, after the caller's <see cref="ChatOptions"/> and the connector's options were merged.</summary>
internal sealed record MlxCall(
    IReadOnlyList<ChatMessage> History,
    string? Model,
    string? Category,
    int MaxTokens,
    float? Temperature,
    float? TopP,
    IList<string>? Stop,
    MlxRequestPriority? Priority);

/// <summary>Builds the HTTP request of each protocol.</summary>
internal static class MlxRequestBuilder
{
    /// <summary>The model <c>/api/chat</c> is sent when none is configured (it requires one; unknown names fall back to it).</summary>
    public const string ChatFallbackModel = "default";

    public static HttpRequestMessage Build(MlxOptions options, MlxCall call, bool stream)
    {
        var (path, json) = options.Protocol switch
        {
            MlxProtocol.Chat => ("api/chat", JsonSerializer.Serialize(
                new ChatRequest
                {
                    Model = call.Model ?? call.Category ?? ChatFallbackModel,
                    Messages = Messages(call),
                    Stream = stream,
                    Category = call.Category,
                    MaxTokens = call.MaxTokens,
                    Options = Options(call),
                },
                MlxJsonContext.Default.ChatRequest)),
            MlxProtocol.OpenAI => ("v1/chat/completions", JsonSerializer.Serialize(
                new OpenAIChatRequest
                {
                    Model = call.Model,
                    Messages = Messages(call),
                    MaxTokens = call.MaxTokens,
                    Temperature = call.Temperature,
                    TopP = call.TopP,
                    Stop = call.Stop,
                    Stream = stream,
                },
                MlxJsonContext.Default.OpenAIChatRequest)),
            _ => ("api/generate", JsonSerializer.Serialize(
                new GenerateRequest
                {
                    Prompt = MlxPromptRenderer.Render(call.History),
                    Model = call.Model,
                    Category = call.Category,
                    MaxTokens = call.MaxTokens,
                    Temperature = call.Temperature,
                    Stream = stream,
                    Options = Options(call),
                },
                MlxJsonContext.Default.GenerateRequest)),
        };

        var request = new HttpRequestMessage(HttpMethod.Post, Address(options, path))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (call.Priority is { } priority)
        {
            request.Headers.Add("X-Request-Priority", priority.ToString().ToLowerInvariant());
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(stream && options.Protocol == MlxProtocol.OpenAI ? "text/event-stream" : "application/json"));
        return request;
    }

    /// <summary>An absolute address under the endpoint (which may carry a path of its own).</summary>
    public static Uri Address(MlxOptions options, string relativePath) => BackendEndpoint.Resolve(options.EndpointUri, relativePath);

    private static WireMessage[] Messages(MlxCall call) =>
        [.. call.History.Select(m => new WireMessage { Role = MlxPromptRenderer.WireRole(m.Role), Content = m.Text })];

    private static WireOptions Options(MlxCall call) => new()
    {
        NumPredict = call.MaxTokens,
        Temperature = call.Temperature,
        TopP = call.TopP,
        Stop = call.Stop,
    };
}
