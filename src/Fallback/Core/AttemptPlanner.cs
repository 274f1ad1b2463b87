using AgentHost.Backends;
using Microsoft.Extensions.AI;
using Polly.CircuitBreaker;

namespace AgentHost.Fallback.Core;

/// <summary>One backend the planner chose to try; <see cref="IsBreakerTrial"/>: a deferred backend whose circuit is
/// open, tried once past its breaker (no retries).</summary>
internal readonly record struct PlannedAttempt(FallbackBackend Backend, bool IsBreakerTrial);

/// <summary>
/// Walks the fallback order for one model call and decides, entry by entry, whether to try a backend, skip it (and
/// why: disabled, already tried, cannot serve tools, request too large for its context window, optional entry not
/// healthy now) or defer it. A plain entry that is down or whose circuit is open is deferred (DESIGN §2): it gets no
/// request while other candidates remain; once they are used up (or before the first last-resort backend, such as
/// Embedded) the deferred entries are tried in order, an open-circuit one as a single trial past its breaker, and not
/// at all while a circuit opened on a timeout is inside its break. A circuit shared with other replicas reads the same:
/// open while another replica's break lasts, or while a trial (claimed here or elsewhere) is in flight.
/// </summary>
internal sealed class AttemptPlanner
{
    /// <summary>The skip reason of a disabled backend (configuration, not news: never told as progress).</summary>
    public const string DisabledReason = "disabled";

    private readonly RoutePlan _plan;
    private readonly BackendHealthMonitor _health;
    private readonly bool _needsTools;
    private readonly int _estimatedTokens;
    private readonly Func<FallbackBackend, string?>? _cannotServe;
    private ulong _considered;             // bit i: the backend first named at entry i was considered (orders of up to 64 entries)
    private bool[]? _consideredLong;       // the same for longer orders
    private int _position;
    private List<FallbackBackend>? _deferred;
    private int _nextDeferred;
    private (string Backend, int? Window)? _contextTooLong;

    /// <param name="plan">The route's order resolved to backends.</param>
    /// <param name="health">Each backend's health.</param>
    /// <param name="messages">The call's messages (their size is checked against context windows).</param>
    /// <param name="options">The call's options (tools need tool support).</param>
    /// <param name="cannotServe">A further reason a backend cannot serve this call, or null when it can (e.g. "cannot embed").</param>
    public AttemptPlanner(RoutePlan plan, BackendHealthMonitor health, IReadOnlyList<ChatMessage> messages, ChatOptions? options,
        Func<FallbackBackend, string?>? cannotServe = null)
    {
        _cannotServe = cannotServe;
        _plan = plan;
        _health = health;
        _needsTools = options?.Tools is { Count: > 0 };
        _estimatedTokens = EstimateTokens(messages, options);
    }

    /// <summary>Whether some entry (or deferred backend) is still to be considered.</summary>
    public bool HasMore => _position < _plan.Entries.Count || _nextDeferred < (_deferred?.Count ?? 0);

    /// <summary>
    /// The next backend to try, recording the skipped and deferred ones in <paramref name="skipped"/>;
    /// <see langword="null"/> when the order and the deferred backends are used up.
    /// </summary>
    public PlannedAttempt? Next(ref List<FallbackAttempt>? skipped)
    {
        while (_position < _plan.Entries.Count)
        {
            var index = _position;
            var entry = _plan.Entries[index];
            var backend = _plan.Backends[index];
            var first = _plan.FirstIndex[index];
            if (IsConsidered(first))
            {
                _position++;
                continue;
            }

            // The servers put off come before a last resort: a small in-process model answers only when they cannot.
            if (backend.Descriptor.IsLastResort && NextDeferred(ref skipped) is { } putOff)
            {
                return putOff;
            }

            _position++;
            var (reason, onlyThisEntry, defer) = Decide(entry, backend);
            if (!onlyThisEntry)
            {
                MarkConsidered(first);
            }

            if (defer)
            {
                Defer(backend, reason!, ref skipped);
                continue;
            }

            if (reason is null)
            {
                return new PlannedAttempt(backend, false);
            }

            (skipped ??= []).Add(Skip(backend, reason));
        }

        return NextDeferred(ref skipped);
    }

    /// <summary>
    /// Puts <paramref name="backend"/> off until every other candidate has been tried (its circuit turned out to be
    /// open when the attempt reached the breaker: another call's half-open trial is in flight, or it has just opened).
    /// </summary>
    public void Defer(FallbackBackend backend, string reason, ref List<FallbackAttempt>? recorded)
    {
        (_deferred ??= []).Add(backend);
        (recorded ??= []).Add(new FallbackAttempt { Backend = backend.Name, Outcome = FallbackAttemptOutcome.Deferred, SkipReason = reason });
    }
    /// <summary>Records that <paramref name="backend"/> said the request is too long: from now on only larger declared context windows qualify.</summary>
    public void ContextTooLong(FallbackBackend backend) =>
        _contextTooLong = (backend.Name, SafeOptions(backend)?.Capabilities.ContextWindow);

    /// <summary>A rough token count of a request (characters / 4, plus a little per message and tool).</summary>
    public static int EstimateTokens(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        long chars = 0;
        // Index loops: a foreach over the interfaces would box an enumerator per message on every call.
        for (var m = 0; m < messages.Count; m++)
        {
            chars += 16;
            var contents = messages[m].Contents;
            for (var i = 0; i < contents.Count; i++)
            {
                chars += contents[i] switch
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

    /// <summary>
    /// Why the entry is skipped (null: try it), whether the reason concerns this entry only (an optional entry not
    /// healthy now), and whether the backend is deferred rather than skipped (a plain entry, down or circuit open).
    /// </summary>
    private (string? Reason, bool OnlyThisEntry, bool Defer) Decide(FallbackOrderEntry entry, FallbackBackend backend)
    {
        if (CannotServe(backend) is { } reason)
        {
            return (reason, false, false);
        }

        var health = _health.Get(backend.Name);
        if (entry.OnlyIfHealthy)
        {
            // "Name?" is used only when healthy and never waited for: a later plain entry of the same backend decides the rest.
            return !health.IsUp ? ($"used only when healthy; {health.Describe()}", true, false)
                : backend.Breaker.IsOpen ? ($"used only when healthy; {backend.Breaker.DescribeOpen()}", true, false)
                : (null, false, false);
        }

        if (health.State == BackendHealthState.Down)
        {
            return (health.Describe(), false, true);
        }

        return backend.Breaker.IsOpen ? (backend.Breaker.DescribeOpen(), false, true) : (null, false, false);
    }

    /// <summary>Why the backend cannot serve this request at all, whatever its health (null: it can).</summary>
    private string? CannotServe(FallbackBackend backend)
    {
        var options = SafeOptions(backend);
        if (options is null)
        {
            return "options could not be read";
        }

        if (!options.Enabled)
        {
            return DisabledReason;
        }

        if (_cannotServe?.Invoke(backend) is { } other)
        {
            return other;
        }

        var capabilities = options.Capabilities;
        if (_needsTools && !capabilities.SupportsTools)
        {
            return "no tool support";
        }

        if (capabilities.ContextWindow is { } window && _estimatedTokens > window)
        {
            return $"request of ~{_estimatedTokens} tokens exceeds its context window of {window}";
        }

        if (_contextTooLong is { } tooLong && !(capabilities.ContextWindow > (tooLong.Window ?? 0)))
        {
            return $"context window not larger than {tooLong.Backend}'s";
        }

        return null;
    }

    /// <summary>The next deferred backend still worth a try: an open circuit gets one trial, unless it opened on a timeout and its break is not over.</summary>
    private PlannedAttempt? NextDeferred(ref List<FallbackAttempt>? skipped)
    {
        while (_deferred is not null && _nextDeferred < _deferred.Count)
        {
            var backend = _deferred[_nextDeferred++];
            if (CannotServe(backend) is { } reason)
            {
                (skipped ??= []).Add(Skip(backend, reason));
                continue;
            }

            var breaker = backend.Breaker;
            var open = breaker.IsOpen || breaker.Provider.CircuitState is CircuitState.Open or CircuitState.HalfOpen || breaker.Shared is { IsOpenInFleet: true };
            // Inside its break a circuit opened on timeouts gets no trial: it would hold the caller for the whole timeout.
            // Past the break (Polly says Open until a call half-opens it, or another call's half-open trial is in flight)
            // the backend may answer again, so as the last hope it gets its one trial like any open circuit.
            if (breaker.IsInsideBreak && breaker.OpenedOnTimeout)
            {
                (skipped ??= []).Add(Skip(backend, "circuit open after a timeout; not tried"));
                continue;
            }

            return new PlannedAttempt(backend, open);
        }

        return null;
    }

    private static FallbackAttempt Skip(FallbackBackend backend, string reason) =>
        new() { Backend = backend.Name, Outcome = FallbackAttemptOutcome.Skipped, SkipReason = reason };

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

    private static BackendOptions? SafeOptions(FallbackBackend backend)
    {
        try
        {
            return backend.Options;
        }
        catch (Exception)
        {
            // A binding or validation failure of the backend's options: null makes the planner skip it with that reason.
            return null;
        }
    }
}
