using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.SemanticKernel;

namespace AgentHost.Connectors.Mlx;

/// <summary>
/// Per-request settings of the MLX connector. <see cref="FromExecutionSettings"/> accepts any
/// <see cref="PromptExecutionSettings"/>, so prompt configurations written for other backends still work.
/// </summary>
public sealed class MlxPromptExecutionSettings : PromptExecutionSettings
{
    private int? _maxTokens;
    private float? _temperature;
    private float? _topP;
    private IList<string>? _stop;
    private string? _category;

    /// <summary>The most tokens to generate; sent as <c>max_tokens</c> and <c>options.num_predict</c>.</summary>
    [JsonPropertyName("max_tokens")]
    public int? MaxTokens { get => _maxTokens; set { ThrowIfFrozen(); _maxTokens = value; } }

    /// <summary>The sampling temperature.</summary>
    [JsonPropertyName("temperature")]
    public float? Temperature { get => _temperature; set { ThrowIfFrozen(); _temperature = value; } }

    /// <summary>Nucleus sampling; only Ollama-style and OpenAI-protocol servers read it.</summary>
    [JsonPropertyName("top_p")]
    public float? TopP { get => _topP; set { ThrowIfFrozen(); _topP = value; } }

    /// <summary>Stop sequences; only Ollama-style and OpenAI-protocol servers read them.</summary>
    [JsonPropertyName("stop")]
    public IList<string>? Stop { get => _stop; set { ThrowIfFrozen(); _stop = value; } }

    /// <summary>The model category (<c>reasoning</c>, <c>coding</c>, <c>code</c>, <c>fast</c>, <c>tiny</c>, <c>default</c>).</summary>
    [JsonPropertyName("category")]
    public string? Category { get => _category; set { ThrowIfFrozen(); _category = value; } }

    /// <inheritdoc />
    public override PromptExecutionSettings Clone() => new MlxPromptExecutionSettings
    {
        ModelId = ModelId,
        ServiceId = ServiceId,
        FunctionChoiceBehavior = FunctionChoiceBehavior,
        ExtensionData = ExtensionData is null ? null : new Dictionary<string, object>(ExtensionData),
        MaxTokens = MaxTokens,
        Temperature = Temperature,
        TopP = TopP,
        Stop = Stop is null ? null : [.. Stop],
        Category = Category,
    };

    /// <summary>
    /// Turns any settings into MLX settings. Reads the extension data a prompt's <c>config.json</c> or an
    /// <c>IChatClient</c> caller supplies: <c>max_tokens</c> (or <c>num_predict</c>), <c>temperature</c>, <c>top_p</c>,
    /// <c>stop_sequences</c> (or <c>stop</c>) and <c>category</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A value has the wrong type (e.g. <c>max_tokens</c> that is not a whole number).</exception>
    public static MlxPromptExecutionSettings FromExecutionSettings(PromptExecutionSettings? executionSettings)
    {
        switch (executionSettings)
        {
            case null:
                return new MlxPromptExecutionSettings();
            case MlxPromptExecutionSettings mlx:
                return mlx;
        }

        var data = executionSettings.ExtensionData is { } d
            ? new Dictionary<string, object>(d, StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        return new MlxPromptExecutionSettings
        {
            ModelId = executionSettings.ModelId,
            ServiceId = executionSettings.ServiceId,
            FunctionChoiceBehavior = executionSettings.FunctionChoiceBehavior,
            ExtensionData = executionSettings.ExtensionData,
            MaxTokens = Read(data, ToInt, "max_tokens", "num_predict", "max_output_tokens"),
            Temperature = Read(data, ToFloat, "temperature"),
            TopP = Read(data, ToFloat, "top_p"),
            Stop = Read(data, ToStrings, "stop_sequences", "stop"),
            Category = Read(data, ToText, "category"),
        };
    }

    private static T? Read<T>(Dictionary<string, object> data, Func<object, T?> convert, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (data.TryGetValue(key, out var value) && value is not null && !(value is JsonElement { ValueKind: JsonValueKind.Null }))
            {
                try
                {
                    return convert(value);
                }
                catch (Exception e) when (e is FormatException or InvalidCastException or InvalidOperationException or OverflowException)
                {
#pragma warning disable CA2208 // the bad value is the caller's argument of FromExecutionSettings, which this helper reads
                    throw new ArgumentException($"Execution setting '{key}' has an unusable value '{value}'.", "executionSettings", e);
#pragma warning restore CA2208
                }
            }
        }

        return default;
    }

    private static int? ToInt(object value) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.Number } e => e.TryGetInt32(out var i) ? i : checked((int)e.GetDouble()),
        JsonElement { ValueKind: JsonValueKind.String } e => int.Parse(e.GetString()!, NumberStyles.Integer, CultureInfo.InvariantCulture),
        string s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture),
        JsonElement => throw new FormatException(),
        _ => Convert.ToInt32(value, CultureInfo.InvariantCulture),
    };

    private static float? ToFloat(object value) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.Number } e => e.GetSingle(),
        JsonElement { ValueKind: JsonValueKind.String } e => float.Parse(e.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture),
        string s => float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
        JsonElement => throw new FormatException(),
        _ => Convert.ToSingle(value, CultureInfo.InvariantCulture),
    };

    private static string? ToText(object value) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        string s => s,
        _ => throw new FormatException(),
    };

    private static IList<string>? ToStrings(object value) => value switch
    {
        string s => [s],
        JsonElement { ValueKind: JsonValueKind.String } e => [e.GetString()!],
        JsonElement { ValueKind: JsonValueKind.Array } e => [.. e.EnumerateArray().Select(x => x.GetString() ?? throw new FormatException())],
        IEnumerable<string> list => [.. list],
        _ => throw new FormatException(),
    };
}
