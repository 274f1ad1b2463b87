using System.Diagnostics;
using AgentHost.Backends;
using LLama;
using LLama.Common;
using Microsoft.Extensions.Logging;

namespace AgentHost.Connectors.Embedded;

/// <summary>
/// Owns the one <see cref="LLamaWeights"/> instance of an embedded backend: loaded on first use (concurrent first
/// requests share one load), held while any request uses it, and unloaded after <see cref="EmbeddedBackendOptions.IdleUnloadAfter"/>
/// without requests (a <see cref="TimeProvider"/> timer, so tests control time). Each request gets its own context.
/// </summary>
internal sealed class EmbeddedModel : IDisposable
{
    private readonly string _backend;
    private readonly EmbeddedBackendOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Task<LLamaWeights>? _weights;
    private ITimer? _idleTimer;
    private long _idleGeneration;
    private int _active;
    private int _loadCount;
    private bool _disposed;

    public EmbeddedModel(string backend, EmbeddedBackendOptions options, TimeProvider time, ILogger logger)
    {
        _backend = backend;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Whether the weights are in memory now.</summary>
    public bool IsLoaded
    {
        get
        {
            lock (_gate)
            {
                return _weights is { IsCompletedSuccessfully: true };
            }
        }
    }

    /// <summary>How many times the weights were loaded (a reload after an idle unload counts again).</summary>
    public int LoadCount => Volatile.Read(ref _loadCount);

    /// <summary>The backend's options.</summary>
    public EmbeddedBackendOptions Options => _options;

    /// <summary>The context parameters a request's context is created with.</summary>
    public ModelParams CreateParams(GgufModelInfo? model) => new(_options.FullModelPath!)
    {
        ContextSize = (uint)_options.EffectiveContextSize(model),
        GpuLayerCount = 0,
        Threads = _options.Threads,
        BatchThreads = _options.Threads,
    };

    /// <summary>Holds the weights for one request (loading them first if needed); dispose the lease when done.</summary>
    public async Task<Lease> AcquireAsync(CancellationToken cancellationToken)
    {
        Task<LLamaWeights> weights;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _active++;
            CancelIdleTimer();
            weights = _weights ??= LoadAsync();
        }

        try
        {
            return new Lease(this, await weights.WaitAsync(cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            lock (_gate)
            {
                if (weights.IsFaulted && ReferenceEquals(_weights, weights))
                {
                    _weights = null; // a failed load is retried by the next request
                }
            }

            Release();
            throw;
        }
    }

    /// <summary>Loads the weights now (the <c>WarmUp</c> option) and starts the idle clock.</summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        using var lease = await AcquireAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        Task<LLamaWeights>? weights;
        lock (_gate)
        {
            _disposed = true;
            CancelIdleTimer();
            (weights, _weights) = (_weights, null);
        }

        if (weights is { IsCompletedSuccessfully: true })
        {
            weights.Result.Dispose();
        }
    }

    private Task<LLamaWeights> LoadAsync()
    {
        var path = _options.FullModelPath ?? throw new InvalidOperationException($"{_backend}: ModelPath is not set.");
        return Task.Run(() =>
        {
            LLamaNativeLog.Route(_logger);
            var model = _options.InspectModel(out _);
            var started = Stopwatch.GetTimestamp();
            try
            {
                var weights = LLamaWeights.LoadFromFile(CreateParams(model));
                Interlocked.Increment(ref _loadCount);
                EmbeddedLog.Loaded(_logger, _backend, Path.GetFileName(path), GgufModelInfo.FormatSize(new FileInfo(path).Length),
                    (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return weights;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Whatever LLamaSharp's native loader throws for a bad file: a typed, transient backend failure naming the file.
                EmbeddedLog.LoadFailed(_logger, _backend, path, ex.Message);
                throw new BackendResponseException(_backend, BackendResponseProblem.InBandError,
                    $"cannot load model {Path.GetFileName(path)}: {ex.Message}", innerException: ex);
            }
        });
    }

    private void Release()
    {
        lock (_gate)
        {
            if (--_active == 0)
            {
                ArmIdleTimer();
            }
        }
    }

    /// <summary>Starts the idle clock (under the lock): when it runs out with no request in between, the weights are unloaded.</summary>
    private void ArmIdleTimer()
    {
        CancelIdleTimer();
        if (_disposed || _weights is null || _options.IdleUnloadAfter <= TimeSpan.Zero)
        {
            return;
        }

        var generation = _idleGeneration;
        _idleTimer = _time.CreateTimer(_ => UnloadIfIdle(generation), null, _options.IdleUnloadAfter, Timeout.InfiniteTimeSpan);
    }

    private void UnloadIfIdle(long generation)
    {
        Task<LLamaWeights>? weights;
        lock (_gate)
        {
            if (generation != _idleGeneration || _active > 0 || _weights is null)
            {
                return;
            }

            if (!_weights.IsCompleted)
            {
                ArmIdleTimer(); // a load abandoned by its caller is still running: check again later
                return;
            }

            (weights, _weights) = (_weights, null);
            CancelIdleTimer();
        }

        if (weights.IsCompletedSuccessfully)
        {
            weights.Result.Dispose();
            EmbeddedLog.Unloaded(_logger, _backend, Path.GetFileName(_options.FullModelPath ?? string.Empty), _options.IdleUnloadAfter.ToString());
        }
    }

    private void CancelIdleTimer()
    {
        _idleGeneration++;
        _idleTimer?.Dispose();
        _idleTimer = null;
    }

    /// <summary>The weights held for one request.</summary>
    internal sealed class Lease(EmbeddedModel owner, LLamaWeights weights) : IDisposable
    {
        private int _released;

        public LLamaWeights Weights { get; } = weights;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release();
            }
        }
    }
}
