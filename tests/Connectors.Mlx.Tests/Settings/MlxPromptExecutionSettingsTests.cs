using System.Text.Json;
using Microsoft.SemanticKernel;

namespace AgentHost.Connectors.Mlx.Tests.Settings;

public sealed class MlxPromptExecutionSettingsTests
{
    [Fact]
    public void Null_gives_empty_settings()
    {
        var settings = MlxPromptExecutionSettings.FromExecutionSettings(null);

        Assert.Null(settings.MaxTokens);
        Assert.Null(settings.ModelId);
    }

    [Fact]
    public void Mlx_settings_are_used_as_they_are()
    {
        var mlx = new MlxPromptExecutionSettings { MaxTokens = 3 };

        Assert.Same(mlx, MlxPromptExecutionSettings.FromExecutionSettings(mlx));
    }

    [Fact]
    public void Prompt_config_json_extension_data_is_read()
    {
        var config = PromptTemplateConfig.FromJson("""
            {
              "execution_settings": {
                "default": { "model_id": "fast", "max_tokens": 256, "temperature": 0.5, "top_p": 0.95, "stop_sequences": ["###"], "category": "code" }
              }
            }
            """);

        var settings = MlxPromptExecutionSettings.FromExecutionSettings(config.ExecutionSettings["default"]);

        Assert.Equal("fast", settings.ModelId);
        Assert.Equal(256, settings.MaxTokens);
        Assert.Equal(0.5f, settings.Temperature);
        Assert.Equal(0.95f, settings.TopP);
        Assert.Equal(["###"], settings.Stop);
        Assert.Equal("code", settings.Category);
    }

    [Fact]
    public void Typed_values_from_a_chat_client_and_alternative_names_are_read()
    {
        var source = new PromptExecutionSettings
        {
            ExtensionData = new Dictionary<string, object>
            {
                ["Num_Predict"] = 42L,
                ["temperature"] = 0.3f,
                ["stop"] = "END",
            },
        };

        var settings = MlxPromptExecutionSettings.FromExecutionSettings(source);

        Assert.Equal(42, settings.MaxTokens);
        Assert.Equal(0.3f, settings.Temperature);
        Assert.Equal(["END"], settings.Stop);
    }

    [Fact]
    public void Numbers_written_as_strings_are_accepted()
    {
        var source = JsonSerializer.Deserialize<PromptExecutionSettings>("""{"max_tokens": "128", "temperature": "0.7"}""")!;

        var settings = MlxPromptExecutionSettings.FromExecutionSettings(source);

        Assert.Equal(128, settings.MaxTokens);
        Assert.Equal(0.7f, settings.Temperature);
    }

    [Fact]
    public void Unusable_value_is_a_clear_argument_error()
    {
        var source = JsonSerializer.Deserialize<PromptExecutionSettings>("""{"max_tokens": "lots"}""")!;

        var e = Assert.Throws<ArgumentException>(() => MlxPromptExecutionSettings.FromExecutionSettings(source));

        Assert.Contains("max_tokens", e.Message);
        Assert.Contains("lots", e.Message);
    }

    [Fact]
    public void Clone_copies_and_freeze_protects()
    {
        var settings = new MlxPromptExecutionSettings { MaxTokens = 5, Stop = ["x"], Category = "tiny" };

        var clone = (MlxPromptExecutionSettings)settings.Clone();
        settings.Freeze();

        Assert.Equal(5, clone.MaxTokens);
        Assert.Equal("tiny", clone.Category);
        Assert.NotSame(settings.Stop, clone.Stop);
        Assert.Throws<InvalidOperationException>(() => settings.MaxTokens = 6);
    }
}
