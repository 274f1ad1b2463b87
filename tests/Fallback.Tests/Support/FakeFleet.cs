namespace AgentHost.Fallback.Tests.Support;

/// <summary>
/// Replicas sharing state in memory, as Redis would share it: what one member publishes reaches the others at once, a
/// trial claim is held by one member until its lease ends or an outcome is published. <see cref="Lost"/>: the store is
/// away, so members do what the seam says a lost store does (publish nothing, grant every claim).
/// </summary>
public sealed class FakeFleet(TimeProvider time)
{
    private readonly List<Member> _members = [];
    private readonly Dictionary<string, (string Replica, DateTimeOffset Until)> _claims = new(StringComparer.OrdinalIgnoreCase);

    public bool Lost { get; set; }

    public int Claims { get; private set; }

    public IBackendStateSharing Join(string replica)
    {
        var member = new Member(this, replica);
        lock (_members)
        {
            _members.Add(member);
        }

        return member;
    }

    private void Broadcast(Member from, Action<IBackendStateObserver> tell)
    {
        if (Lost)
        {
            return;
        }

        List<IBackendStateObserver> observers;
        lock (_members)
        {
            observers = [.. _members.Where(m => m != from).SelectMany(m => m.Observers)];
        }

        observers.ForEach(tell);
    }

    private bool Claim(Member member, string backend, TimeSpan lease)
    {
        if (Lost)
        {
            return true;
        }

        lock (_claims)
        {
            Claims++;
            var now = time.GetUtcNow();
            if (_claims.TryGetValue(backend, out var held) && held.Until > now)
            {
                return false;
            }

            _claims[backend] = (member.Replica, now + lease);
            return true;
        }
    }

    private void Release(string backend)
    {
        lock (_claims)
        {
            _claims.Remove(backend);
        }
    }

    private sealed class Member(FakeFleet fleet, string replica) : IBackendStateSharing
    {
        public string Replica => replica;

        public List<IBackendStateObserver> Observers { get; } = [];

        public IDisposable Subscribe(IBackendStateObserver observer, IReadOnlyCollection<string> backends)
        {
            lock (fleet._members)
            {
                Observers.Add(observer);
            }

            return new Unsubscribe(() =>
            {
                lock (fleet._members)
                {
                    Observers.Remove(observer);
                }
            });
        }

        public ValueTask PublishCircuitAsync(SharedCircuitState state, CancellationToken cancellationToken = default)
        {
            if (!fleet.Lost)
            {
                fleet.Release(state.Backend);
            }

            var stamped = state with { Replica = replica };
            fleet.Broadcast(this, o => o.OnCircuitShared(stamped));
            return default;
        }

        public ValueTask<bool> TryClaimTrialAsync(string backend, TimeSpan lease, CancellationToken cancellationToken = default) =>
            new(fleet.Claim(this, backend, lease));

        public ValueTask PublishHealthAsync(BackendHealth health, CancellationToken cancellationToken = default)
        {
            fleet.Broadcast(this, o => o.OnHealthShared(health));
            return default;
        }
    }

    private sealed class Unsubscribe(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
