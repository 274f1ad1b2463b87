using AgentHost.Emulators.Hosting;
using AgentHost.Emulators.Mlx;
using AgentHost.Emulators.Ollama;
using AgentHost.Emulators.Victoria;

namespace AgentHost.Bench.Reliability.Infrastructure;

/// <summary>
/// The three emulators on fixed loopback ports chosen at start. A backend can be stopped (its port then refuses
/// connections, like a server that died) and started again on the same port (like a restart).
/// </summary>
internal sealed class EmulatorSet : IAsyncDisposable
{
    public const string Mlx = "Mlx";
    public const string Ollama = "Ollama";
    public const string Victoria = "Victoria";

    public static readonly IReadOnlyList<string> Names = [Mlx, Ollama, Victoria];

    private readonly Dictionary<string, Func<BackendEmulator>> _factories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BackendEmulator> _current = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _ports = new(StringComparer.Ordinal);
    private readonly HashSet<string> _stopped = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Starts the three emulators, or the ones <paramref name="factories"/> names (e.g. two Ollamas for the tool chaos).</summary>
    public static async Task<EmulatorSet> StartAsync(IReadOnlyDictionary<string, Func<BackendEmulator>>? factories = null)
    {
        var set = new EmulatorSet();
        foreach (var (name, factory) in factories ?? Names.ToDictionary(n => n, n => (Func<BackendEmulator>)(() => Create(n))))
        {
            set._factories[name] = factory;
            var emulator = await factory().StartAsync();
            set._current[name] = emulator;
            set._ports[name] = emulator.BaseAddress.Port;
        }

        return set;
    }

    /// <summary>The running emulator (or the last one, when stopped: its knobs then do nothing).</summary>
    public BackendEmulator this[string name] { get { lock (_current) { return _current[name]; } } }

    public MlxEmulator MlxEmulator => (MlxEmulator)this[Mlx];

    public OllamaEmulator OllamaEmulator => (OllamaEmulator)this[Ollama];

    public VictoriaEmulator VictoriaEmulator => (VictoriaEmulator)this[Victoria];

    public string Endpoint(string name) => $"http://127.0.0.1:{_ports[name]}";

    public bool IsStopped(string name) { lock (_current) { return _stopped.Contains(name); } }

    /// <summary>The environment that points the host at these emulators (every other key is the caller's).</summary>
    public Dictionary<string, string> HostEnvironment() => new(StringComparer.Ordinal)
    {
        ["AgentHost__Backends__Mlx__Enabled"] = "true",
        ["AgentHost__Backends__Mlx__Endpoint"] = Endpoint(Mlx),
        ["AgentHost__Backends__Ollama__Enabled"] = "true",
        ["AgentHost__Backends__Ollama__Endpoint"] = Endpoint(Ollama),
        ["AgentHost__Backends__Victoria__Enabled"] = "true",
        ["AgentHost__Backends__Victoria__Endpoint"] = Endpoint(Victoria),
    };

    /// <summary>Stops a backend: its port refuses connections until <see cref="EnsureRunningAsync"/>.</summary>
    public async Task StopAsync(string name)
    {
        await _gate.WaitAsync();
        try
        {
            BackendEmulator emulator;
            lock (_current)
            {
                if (!_stopped.Add(name))
                {
                    return;
                }

                emulator = _current[name];
            }

            await emulator.DisposeAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Starts a stopped backend again on its port, with no faults.</summary>
    public async Task EnsureRunningAsync(string name)
    {
        await _gate.WaitAsync();
        try
        {
            lock (_current)
            {
                if (!_stopped.Contains(name))
                {
                    return;
                }
            }

            BackendEmulator? started = null;
            for (var attempt = 0; started is null; attempt++)
            {
                try
                {
                    started = await _factories[name]().StartAsync(_ports[name]);
                }
                catch (IOException) when (attempt < 50)
                {
                    await Task.Delay(100); // the old listener may take a moment to let go of the port
                }
            }

            lock (_current)
            {
                _current[name] = started;
                _stopped.Remove(name);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Clears every fault knob of a running backend (and the backend-specific failure switches).</summary>
    public void Reset(string name)
    {
        var emulator = this[name];
        emulator.Faults.Reset();
        switch (emulator)
        {
            case MlxEmulator mlx:
                mlx.StreamEndsWithoutDone = false;
                break;
            case OllamaEmulator ollama:
                ollama.InBandErrorAfterChunks = null;
                break;
            case VictoriaEmulator victoria:
                victoria.LoseTasks = false;
                victoria.InBodyError = null;
                victoria.PollsBeforeDone = 1;
                break;
        }
    }

    /// <summary>The backends of this set.</summary>
    public IReadOnlyList<string> All => [.. _factories.Keys];

    public async Task ResetAllAsync()
    {
        foreach (var name in All)
        {
            await EnsureRunningAsync(name);
            Reset(name);
        }
    }

    public static BackendEmulator Create(string name) => name switch
    {
        Mlx => new MlxEmulator(),
        Ollama => new OllamaEmulator(),
        Victoria => new VictoriaEmulator { PollsBeforeDone = 1 },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var name in All)
        {
            if (!IsStopped(name))
            {
                await this[name].DisposeAsync();
            }
        }

        _gate.Dispose();
    }
}
