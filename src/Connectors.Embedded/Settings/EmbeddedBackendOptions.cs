using System.ComponentModel.DataAnnotations;
using AgentHost.Backends;

namespace AgentHost.Connectors.Embedded;

/// <summary>
/// Settings of the embedded (in-process) backend, bound from <c>AgentHost:Backends:Embedded</c>. The backend is off
/// unless <see cref="ModelPath"/> names a GGUF file; once on, a path that does not exist or is not a GGUF fails
/// validation at start. It has no endpoint: <see cref="BackendOptions.Endpoint"/> stays empty.
/// Defaults: no tool calling, token streaming, system prompt rendered through the model's own chat template,
/// context window from the file's metadata (capped at <see cref="DefaultContextSize"/>).
/// </summary>
public sealed class EmbeddedBackendOptions : BackendOptions
{
    /// <summary>The generation limit when neither configuration nor the request sets one.</summary>
    public const int DefaultMaxTokens = 256;

    /// <summary>The context allocated when <see cref="ContextSize"/> is not set and the model allows more.</summary>
    public const int DefaultContextSize = 4096;

    private readonly Lock _inspect = new();
    private GgufModelInfo? _model;
    private string? _modelError;
    private string? _inspectedPath;

    /// <summary>Creates the options with the embedded backend's defaults.</summary>
    public EmbeddedBackendOptions()
    {
        Endpoint = null;
        Capabilities = new BackendCapabilities
        {
            SupportsTools = false,
            SupportsTokenStreaming = true,
            SupportsSystemPrompt = true,
            ContextWindow = null,
        };
    }

    /// <summary>
    /// The GGUF model file (any llama.cpp chat model, e.g. a 0.5B–3B instruct model quantised to Q4_K_M). Relative
    /// paths are resolved against the current directory; a leading <c>~/</c> means the home directory. Empty: the backend is off.
    /// </summary>
    public string? ModelPath { get; set; }

    /// <summary>
    /// The context (prompt + answer) allocated per request, in tokens. Unset: the model's trained context length,
    /// capped at <see cref="DefaultContextSize"/> (memory grows with it).
    /// </summary>
    public int? ContextSize { get; set; }

    /// <summary>CPU threads for generation; unset lets llama.cpp choose.</summary>
    public int? Threads { get; set; }

    /// <summary>The most tokens one answer may have; a request's <c>MaxOutputTokens</c> can only lower it.</summary>
    public int MaxTokens { get; set; } = DefaultMaxTokens;

    /// <summary>How long the weights stay in memory after the last request. <see cref="TimeSpan.Zero"/> keeps them loaded.</summary>
    public TimeSpan IdleUnloadAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Whether to load the weights when the host starts instead of on the first request.</summary>
    public bool WarmUp { get; set; }

    /// <summary>How many requests generate at once (each with its own context); more wait for a turn.</summary>
    public int MaxConcurrentRequests { get; set; } = 2;

    /// <summary><see cref="ModelPath"/> as a full path (<c>~/</c> expanded), or null when not set.</summary>
    public string? FullModelPath
    {
        get
        {
            if (string.IsNullOrWhiteSpace(ModelPath))
            {
                return null;
            }

            var path = ModelPath.Trim();
            if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
            {
                path = Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[1..].TrimStart('/'));
            }

            try
            {
                return Path.GetFullPath(path);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                return path;
            }
        }
    }

    /// <summary>
    /// The model file's header (read once per path, without loading the weights), or null when it cannot be read;
    /// <paramref name="error"/> then says why in one line.
    /// </summary>
    public GgufModelInfo? InspectModel(out string? error)
    {
        lock (_inspect)
        {
            return InspectModelLocked(out error);
        }
    }

    private GgufModelInfo? InspectModelLocked(out string? error)
    {
        var path = FullModelPath;
        if (path != _inspectedPath)
        {
            (_model, _modelError, _inspectedPath) = (null, null, path);
            if (path is null)
            {
                _modelError = "ModelPath is not set.";
            }
            else
            {
                try
                {
                    _model = GgufHeaderReader.Read(path);
                }
                catch (FileNotFoundException)
                {
                    _modelError = $"ModelPath '{path}' does not exist.";
                }
                catch (InvalidDataException ex)
                {
                    _modelError = $"ModelPath {ex.Message}";
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    _modelError = $"ModelPath '{path}' cannot be read: {ex.Message}";
                }
            }
        }

        error = _modelError;
        return _model;
    }

    /// <summary>The context size requests get: <see cref="ContextSize"/>, or the model's (capped at <see cref="DefaultContextSize"/>).</summary>
    public int EffectiveContextSize(GgufModelInfo? model) =>
        ContextSize ?? Math.Min(model?.ContextLength ?? DefaultContextSize, DefaultContextSize);

    /// <summary>
    /// Applies what follows from <see cref="ModelPath"/> (run after binding): off when no path is set; the model name
    /// defaults to the file name; the declared context window defaults to <see cref="EffectiveContextSize"/>.
    /// </summary>
    public void ApplyModelDefaults()
    {
        if (FullModelPath is not { } path)
        {
            Enabled = false;
            return;
        }

        Model ??= Path.GetFileName(path);
        if (Enabled && Capabilities.ContextWindow is null && InspectModel(out _) is { } model)
        {
            Capabilities.ContextWindow = EffectiveContextSize(model);
        }
    }

    /// <inheritdoc />
    public override IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled || FullModelPath is null)
        {
            yield break;
        }

        if (InspectModel(out var error) is null)
        {
            yield return new ValidationResult(error, [nameof(ModelPath)]);
        }

        if (MaxTokens < 1)
        {
            yield return new ValidationResult($"MaxTokens must be at least 1 (was {MaxTokens}).", [nameof(MaxTokens)]);
        }

        if (ContextSize is < 16)
        {
            yield return new ValidationResult($"ContextSize must be at least 16 tokens when set (was {ContextSize}).", [nameof(ContextSize)]);
        }

        if (Threads is < 1)
        {
            yield return new ValidationResult($"Threads must be at least 1 when set (was {Threads}).", [nameof(Threads)]);
        }

        if (MaxConcurrentRequests < 1)
        {
            yield return new ValidationResult($"MaxConcurrentRequests must be at least 1 (was {MaxConcurrentRequests}).", [nameof(MaxConcurrentRequests)]);
        }

        if (IdleUnloadAfter < TimeSpan.Zero)
        {
            yield return new ValidationResult($"IdleUnloadAfter must not be negative (was {IdleUnloadAfter}).", [nameof(IdleUnloadAfter)]);
        }

        if (RequestTimeout is { } t && t <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"RequestTimeout must be positive (was {t}).", [nameof(RequestTimeout)]);
        }

        if (Capabilities.ContextWindow is <= 0)
        {
            yield return new ValidationResult("Capabilities:ContextWindow must be positive when set.", [nameof(Capabilities)]);
        }
    }
}
