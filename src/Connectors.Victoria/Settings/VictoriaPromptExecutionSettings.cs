using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.SemanticKernel;

namespace AgentHost.Connectors.Victoria;

/// <summary>
/// Execution settings Victoria understands: <c>max_steps</c> and <c>session_id</c>. Settings written for any other
/// backend are accepted (see <see cref="FromExecutionSettings"/>); what Victoria cannot use is ignored.
/// </summary>
public sealed class VictoriaPromptExecutionSettings : PromptExecutionSettings
{
    /// <summary>The extension-data key for <see cref="MaxSteps"/>.</summary>
    public const string MaxStepsKey = "max_steps";

    /// <summary>The extension-data key for <see cref="SessionId"/>.</summary>
    public const string SessionIdKey = "session_id";

    private int? _maxSteps;
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

    /// <inheritdoc />
    public override PromptExecutionSettings Clone() => new VictoriaPromptExecutionSettings
    {
        ServiceId = ServiceId,
        ModelId = ModelId,
        ExtensionData = ExtensionData is null ? null : new Dictionary<string, object>(ExtensionData),
        MaxSteps = MaxSteps,
        SessionId = SessionId,
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
