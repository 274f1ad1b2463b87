using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.SemanticKernel;

namespace AgentHost.Connectors.Victoria;

/// <summary>
/// Execution settings Victoria understands: <c>max_steps</c>, <c>session_id</c> and <c>victoria_operation</c>. Settings written for any other
/// backend are accepted (see <see cref="FromExecutionSettings"/>); what Victoria cannot use is ignored.
/// </summary>
public sealed class VictoriaPromptExecutionSettings : PromptExecutionSettings
{
    /// <summary>The extension-data key for <see cref="MaxSteps"/>.</summary>
    public const string MaxStepsKey = "max_steps";

    /// <summary>The extension-data key for <see cref="SessionId"/>.</summary>
    public const string SessionIdKey = "session_id";

    /// <summary>The extension-data key for <see cref="Operation"/> (<c>run</c> or <c>plan</c>).</summary>
    public const string OperationKey = "victoria_operation";

    private int? _maxSteps;
    private VictoriaOperation? _operation;
    private string? _sessionId;

    /// <summary>The most steps Victoria may take for this goal; null uses the configured value or Victoria's default.</summary>
    [JsonPropertyName(MaxStepsKey)]
    public int? MaxSteps
    {
        get => _maxSteps;
        set
        {
            ThrowIfFrozen();
            _maxSteps = value;
        }
    }

    /// <summary>Victoria's chat-memory session; sent as <c>session_id</c> when set.</summary>
    [JsonPropertyName(SessionIdKey)]
    public string? SessionId
    {
        get => _sessionId;
        set
        {
            ThrowIfFrozen();
            _sessionId = value;
        }
    }

    /// <summary>What to ask Victoria for: <see cref="VictoriaOperation.Run"/> (null: the same) or <see cref="VictoriaOperation.Plan"/>.</summary>
    [JsonPropertyName(OperationKey)]
    public VictoriaOperation? Operation
    {
        get => _operation;
        set
        {
            ThrowIfFrozen();
            _operation = value;
        }
    }

    /// <inheritdoc />
    public override PromptExecutionSettings Clone() => new VictoriaPromptExecutionSettings
    {
        ServiceId = ServiceId,
        ModelId = ModelId,
        ExtensionData = ExtensionData is null ? null : new Dictionary<string, object>(ExtensionData),
        MaxSteps = MaxSteps,
        SessionId = SessionId,
        Operation = Operation,
    };

    /// <summary>
    /// Converts any execution settings to Victoria's: a <see cref="VictoriaPromptExecutionSettings"/> is returned as is;
    /// others keep their service and model id, and <c>max_steps</c> / <c>session_id</c> are read from their extension data
    /// (numbers may arrive as JSON numbers, strings or boxed integers).
    /// </summary>
    public static VictoriaPromptExecutionSettings FromExecutionSettings(PromptExecutionSettings? executionSettings)
    {
        switch (executionSettings)
        {
            case null:
                return new VictoriaPromptExecutionSettings();
            case VictoriaPromptExecutionSettings victoria:
                return victoria;
        }

        var extension = executionSettings.ExtensionData;
        return new VictoriaPromptExecutionSettings
        {
            ServiceId = executionSettings.ServiceId,
            ModelId = executionSettings.ModelId,
            ExtensionData = extension is null ? null : new Dictionary<string, object>(extension),
            MaxSteps = extension is not null && extension.TryGetValue(MaxStepsKey, out var steps) ? ReadInt(steps) : null,
            SessionId = extension is not null && extension.TryGetValue(SessionIdKey, out var session) ? ReadString(session) : null,
            Operation = extension is not null && extension.TryGetValue(OperationKey, out var operation) ? ReadOperation(operation) : null,
        };
    }

    private static int? ReadInt(object? value) => value switch
    {
        null => null,
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        double d when d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
        string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
        JsonElement { ValueKind: JsonValueKind.Number } e when e.TryGetInt32(out var n) => n,
        JsonElement { ValueKind: JsonValueKind.String } e => ReadInt(e.GetString()),
        IConvertible c => TryConvert(c),
        _ => throw new ArgumentException($"'{MaxStepsKey}' must be an integer (was '{value}').", nameof(value)),
    };

    private static int? TryConvert(IConvertible value)
    {
        try
        {
            return value.ToInt32(CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            throw new ArgumentException($"'{MaxStepsKey}' must be an integer (was '{value}').", nameof(value), e);
        }
    }

    private static VictoriaOperation? ReadOperation(object? value) => value switch
    {
        null => null,
        VictoriaOperation operation => operation,
        _ when ReadString(value) is not { Length: > 0 } text => null,
        _ when Enum.TryParse<VictoriaOperation>(ReadString(value), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) => parsed,
        _ => throw new ArgumentException($"'{OperationKey}' must be 'run' or 'plan' (was '{value}').", nameof(value)),
    };

    private static string? ReadString(object? value) => value switch
    {
        null => null,
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        JsonElement { ValueKind: JsonValueKind.Null } => null,
        JsonElement e => e.GetRawText(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };
}
