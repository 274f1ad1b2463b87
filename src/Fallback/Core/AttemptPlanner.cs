using AgentHost.Backends;
using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Core;

/// <summary>
/// Walks the fallback order for one model call and decides, entry by entry, whether to try a backend or skip it (and
/// why): disabled, already tried, cannot serve tools, request too large for its context window, optional entry not
/// healthy now, down. When every backend is down, required entries are tried anyway.
/// </summary>
internal sealed class AttemptPlanner
{
    private readonly RoutePlan _plan;
    private readonly BackendHealthMonitor _health;
    private readonly bool _needsTools;
    private readonly int _estimatedTokens;
    private ulong _considered;             // bit i: the backend first named at entry i was considered (orders of up to 64 entries)
    private bool[]? _consideredLong;       // the same for longer orders
    private int _allDown = -1;             // -1: not computed yet (only a down backend needs it)
    private int _position;
    private (string Backend, int? Window)? _contextTooLong;

    public AttemptPlanner(RoutePlan plan, BackendHealthMonitor health, IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        _plan = plan;
        _health = health;
        _needsTools = options?.Tools is { Count: > 0 };
        _estimatedTokens = EstimateTokens(messages, options);
    }

    /// <summary>Whether some entry is still to be considered.</summary>
    public bool HasMore => _position < _plan.Entries.Count;

    /// <summary>The next backend to try, recording the skipped ones in <paramref name="skipped"/>; <see langword="null"/> when the order is used up.</summary>
    public FallbackBackend? Next(ref List<FallbackAttempt>? skipped)
    {
        while (_position < _plan.Entries.Count)
        {
            var index = _position++;
            var entry = _plan.Entries[index];
            var backend = _plan.Backends[index];
            var first = _plan.FirstIndex[index];
            if (IsConsidered(first))
            {
                continue;
            }

            var (reason, onlyThisEntry) = SkipReason(entry, backend);
            if (!onlyThisEntry)
            {
                MarkConsidered(first);
            }

            if (reason is null)
            {
                return backend;
            }

            (skipped ??= []).Add(new FallbackAttempt { Backend = backend.Name, Outcome = FallbackAttemptOutcome.Skipped, SkipReason = reason });
        }

        return null;
    }

    /// <summary>Records that <paramref name="backend"/> said the request is too long: from now on only larger declared context windows qualify.</summary>
    public void ContextTooLong(FallbackBackend backend) =>
        _contextTooLong = (backend.Name, SafeOptions(backend)?.Capabilities.ContextWindow);

    /// <summary>A rough token count of a request (characters / 4, plus a little per message and tool).</summary>
    public static int EstimateTokens(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        long chars = 0;
        foreach (var message in messages)
        {
            chars += 16;
            foreach (var content in message.Contents)
            {
                chars += content switch
                {
                    TextContent t => t.Text?.Length ?? 0,
                    FunctionCallContent c => 32 + (c.Arguments?.Sum(a => a.Key.Length + (a.Value?.ToString()?.Length ?? 0)) ?? 0),
                    FunctionResultContent r => r.Result?.ToString()?.Length ?? 0,
                    _ => 0,
                };
            }
        }

        chars += (options?.Tools?.Count ?? 0) * 200;
        return (int)Math.Min(int.MaxValue, chars / 4);
    }

    /// <summary>Why the entry is skipped (null: try it), and whether the reason concerns this entry only (an optional entry not healthy now).</summary>
    private (string? Reason, bool OnlyThisEntry) SkipReason(FallbackOrderEntry entry, FallbackBackend backend)
    {
        var options = SafeOptions(backend);
        if (options is null)
        {
            return ("options could not be read", false);
        }

        if (!options.Enabled)
        {
            return ("disabled", false);
        }

        var capabilities = options.Capabilities;
        if (_needsTools && !capabilities.SupportsTools)
        {
            return ("no tool support", false);
        }

        if (capabilities.ContextWindow is { } window && _estimatedTokens > window)
        {
            return ($"request of ~{_estimatedTokens} tokens exceeds its context window of {window}", false);
        }

        if (_contextTooLong is { } tooLong && !(capabilities.ContextWindow > (tooLong.Window ?? 0)))
        {
            return ($"context window not larger than {tooLong.Backend}'s", false);
        }

        var health = _health.Get(backend.Name);
        if (entry.OnlyIfHealthy && !health.IsUp)
        {
            return ($"used only when healthy; {health.Describe()}", true);
        }

        if (health.State == BackendHealthState.Down && !AllDown())
        {
            return (health.Describe(), false);
        }

        if (backend.Breaker.IsOpen)
        {
            return ("circuit open", false);
        }

        return (null, false);
    }

    private bool IsConsidered(int first) =>
        _consideredLong is { } long_ ? long_[first] : first < 64 && (_considered & (1UL << first)) != 0;

    private void MarkConsidered(int first)
    {
        if (_plan.Entries.Count <= 64)
        {
            _considered |= 1UL << first;
        }
        else
        {
            (_consideredLong ??= new bool[_plan.Entries.Count])[first] = true;
        }
    }

    /// <summary>
    /// Whether every enabled server in the order is down (then required entries are tried anyway). Computed when the
    /// first down backend is met, not per call. A last resort (e.g. Embedded) being up does not stop the servers being tried first.
    /// </summary>
    private bool AllDown()
    {
        if (_allDown < 0)
        {
            var enabled = 0;
            var down = 0;
            for (var i = 0; i < _plan.Backends.Length; i++)
            {
                var backend = _plan.Backends[i];
                if (_plan.FirstIndex[i] != i || !IsEnabled(backend) || backend.Descriptor.IsLastResort)
                {
                    continue;
                }

                enabled++;
                if (_health.Get(backend.Name).State == BackendHealthState.Down)
                {
                    down++;
                }
            }

            _allDown = enabled > 0 && down == enabled ? 1 : 0;
        }

        return _allDown == 1;
    }

    private static bool IsEnabled(FallbackBackend backend) => SafeOptions(backend)?.Enabled == true;

    private static BackendOptions? SafeOptions(FallbackBackend backend)
    {
        try
        {
            return backend.Options;
        }
        catch (Exception)
        {
            return null;
        }
    }
}
