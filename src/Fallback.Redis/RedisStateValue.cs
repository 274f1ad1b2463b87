using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentHost.Fallback.Redis;

/// <summary>
/// One value as it is stored under a key and published on the channel: JSON a person can read with <c>redis-cli</c>.
/// Times are unix milliseconds from the writer's <see cref="TimeProvider"/>, with the same instant in ISO 8601 beside them.
/// </summary>
internal sealed record RedisStateValue
{
    public const string BreakerKind = "breaker";
    public const string HealthKind = "health";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Kind { get; init; } = BreakerKind;

    public string Backend { get; init; } = string.Empty;

    /// <summary>Breaker: <c>opened</c> or <c>closed</c>. Health: <c>healthy</c>, <c>degraded</c>, <c>down</c>, <c>unknown</c>.</summary>
    public string State { get; init; } = string.Empty;

    /// <summary>When it changed (breaker) or was checked (health), unix ms.</summary>
    public long At { get; init; }

    public string? AtUtc { get; init; }

    /// <summary>Breaker opened: when its break ends, unix ms.</summary>
    public long? OpenUntil { get; init; }

    public string? OpenUntilUtc { get; init; }

    /// <summary>Breaker opened: whether on a timeout.</summary>
    public bool? OnTimeout { get; init; }

    /// <summary>Health: the reason.</summary>
    public string? Reason { get; init; }

    /// <summary>The replica that wrote it.</summary>
    public string? Replica { get; init; }

    public static RedisStateValue From(SharedCircuitState state, string replica) => new()
    {
        Kind = BreakerKind,
        Backend = state.Backend,
        State = state.Change == SharedCircuitChange.Opened ? "opened" : "closed",
        At = state.At.ToUnixTimeMilliseconds(),
        AtUtc = Iso(state.At),
        OpenUntil = state.OpenUntil?.ToUnixTimeMilliseconds(),
        OpenUntilUtc = state.OpenUntil is { } until ? Iso(until) : null,
        OnTimeout = state.Change == SharedCircuitChange.Opened ? state.OpenedOnTimeout : null,
        Replica = replica,
    };

    public static RedisStateValue From(BackendHealth health, string replica) => new()
    {
        Kind = HealthKind,
        Backend = health.Backend,
        State = health.State.ToString().ToLowerInvariant(),
        At = (health.CheckedAt ?? DateTimeOffset.UnixEpoch).ToUnixTimeMilliseconds(),
        AtUtc = health.CheckedAt is { } at ? Iso(at) : null,
        Reason = health.Reason,
        Replica = replica,
    };

    /// <summary>The value, or null when it is not one (another writer's, or garbled).</summary>
    public static RedisStateValue? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<RedisStateValue>(json, Json) is { Backend.Length: > 0 } value ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public SharedCircuitState ToCircuit() => new(
        Backend,
        State == "opened" && OpenUntil is not null ? SharedCircuitChange.Opened : SharedCircuitChange.Closed,
        DateTimeOffset.FromUnixTimeMilliseconds(At),
        OpenUntil is { } until ? DateTimeOffset.FromUnixTimeMilliseconds(until) : null,
        OnTimeout ?? false,
        Replica);

    public BackendHealth? ToHealth() =>
        Enum.TryParse<BackendHealthState>(State, ignoreCase: true, out var state)
            ? new BackendHealth(Backend, state, Reason, DateTimeOffset.FromUnixTimeMilliseconds(At))
            : null;

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
}
