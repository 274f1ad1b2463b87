using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace AgentHost.Connectors.Embedded;

/// <summary>
/// Checks the embedded backend without loading the weights: healthy when the model file exists and its GGUF header
/// reads. The description names the file, its size, architecture, context window and whether the weights are loaded
/// (e.g. <c>tiny-llama.gguf, 240.5 KB, llama, context 256, not loaded</c>); the data carries the same as values.
/// </summary>
public sealed class EmbeddedHealthCheck : IHealthCheck
{
    private readonly string _backend;
    private readonly EmbeddedModel _model;
    private readonly ILogger _logger;
    private HeaderSeen? _last; // replaced whole, so concurrent probes never see a torn value

    internal EmbeddedHealthCheck(string backend, EmbeddedModel model, ILogger logger)
    {
        _backend = backend;
        _model = model;
        _logger = logger;
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = Check();
        EmbeddedLog.Health(_logger, _backend, result.Status.ToString(), result.Description ?? string.Empty);
        return Task.FromResult(result);
    }

    private HealthCheckResult Check()
    {
        var options = _model.Options;
        if (!options.Enabled)
        {
            return HealthCheckResult.Unhealthy(options.FullModelPath is null ? "disabled (no ModelPath)" : "disabled by configuration");
        }

        // Read the header afresh when the file changed: it may have been replaced or removed since the start.
        GgufModelInfo model;
        try
        {
            model = ReadHeader(options.FullModelPath!);
        }
        catch (FileNotFoundException)
        {
            return HealthCheckResult.Unhealthy($"model file {options.FullModelPath} does not exist");
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy(ex.Message, ex);
        }

        var loaded = _model.IsLoaded;
        var window = options.Capabilities.ContextWindow ?? options.EffectiveContextSize(model);
        var description = string.Create(CultureInfo.InvariantCulture,
            $"{model.FileName}, {model.SizeText}, {model.Architecture ?? "unknown architecture"}, context {window}, {(loaded ? "loaded" : "not loaded")}");
        var data = new Dictionary<string, object>
        {
            ["model_file"] = model.Path,
            ["size_bytes"] = model.SizeBytes,
            ["loaded"] = loaded,
            ["context_window"] = window,
        };
        if (model.Architecture is { } architecture)
        {
            data["architecture"] = architecture;
        }

        if (model.ContextLength is { } trained)
        {
            data["trained_context_length"] = trained;
        }

        return HealthCheckResult.Healthy(description, data);
    }

    private GgufModelInfo ReadHeader(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new FileNotFoundException(null, path);
        }

        if (Volatile.Read(ref _last) is { } last && last.Path == path && last.Length == file.Length && last.Written == file.LastWriteTimeUtc)
        {
            return last.Info;
        }

        var info = GgufHeaderReader.Read(path);
        Volatile.Write(ref _last, new HeaderSeen(path, file.Length, file.LastWriteTimeUtc, info));
        return info;
    }

    private sealed record HeaderSeen(string Path, long Length, DateTime Written, GgufModelInfo Info);
}
