namespace AgentHost.Http;

/// <summary>
/// Limits on model calls (<c>/v1/chat/completions</c>, <c>/prompts/{name}</c>) per caller: per API key, or per client
/// address when the service has no key. Bound from <c>AgentHost:Http:RateLimit</c>. Fleet-wide through Redis when
/// <c>AgentHost:State:Redis</c> is set (every replica counts against one budget); per process otherwise, and while Redis
/// is lost. A caller over a limit is answered 429 in OpenAI's shape with <c>Retry-After</c>.
/// </summary>
internal sealed class RateLimitOptions
{
    /// <summary>Model calls a caller may start per minute (a fixed window on the minute); 0: no limit.</summary>
    public int RequestsPerMinute { get; set; }

    /// <summary>
    /// Tokens (prompt and completion, as the backend reports them) a caller may use per minute; 0: no limit. A call is
    /// refused once the minute's tokens reach the limit; a call's tokens are counted when it ends, so the last call
    /// admitted may go over. Answers whose backend reports no usage count nothing.
    /// </summary>
    public int TokensPerMinute { get; set; }

    /// <summary>Whether any limit is set.</summary>
    public bool IsEnabled => RequestsPerMinute > 0 || TokensPerMinute > 0;
}
