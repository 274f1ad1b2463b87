using System.Security.Cryptography;

namespace AgentHost.Http;

/// <summary>
/// Who a request's limits are counted against: its API key (as a short hash, never the key itself, since it goes to
/// Redis keys and logs), or its client address when the service has no key.
/// </summary>
internal static class CallerIdentity
{
    private const string ItemKey = "agent-host.caller";

    /// <summary>Records the API key the request authenticated with.</summary>
    public static void SetCallerKey(HttpContext context, ReadOnlySpan<byte> key) =>
        context.Items[ItemKey] = "key:" + Convert.ToHexStringLower(SHA256.HashData(key))[..16];

    /// <summary>The caller: <c>key:&lt;hash&gt;</c>, or <c>ip:&lt;address&gt;</c>.</summary>
    public static string Of(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var caller) && caller is string id
            ? id
            : "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
