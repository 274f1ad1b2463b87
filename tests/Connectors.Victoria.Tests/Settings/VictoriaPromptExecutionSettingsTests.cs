using System.Text.Json;
using Microsoft.SemanticKernel;

namespace AgentHost.Connectors.Victoria.Tests.Settings;

public sealed class VictoriaPromptExecutionSettingsTests
{
    [Fact]
    public void Null_gives_empty_settings()
    {
        var settings = VictoriaPromptExecutionSettings.FromExecutionSettings(null);

        Assert.Null(settings.MaxSteps);
        Assert.Null(settings.SessionId);
    }

    [Fact]
    public void Victoria_settings_are_returned_as_is()
    {
        var settings = new VictoriaPromptExecutionSettings { MaxSteps = 3 };

        Assert.Same(settings, VictoriaPromptExecutionSettings.FromExecutionSettings(settings));
    }

    [Fact]
    public void Extension_data_of_any_settings_is_read()
    {
        var settings = VictoriaPromptExecutionSettings.FromExecutionSettings(new PromptExecutionSettings
        {
            ServiceId = "victoria",
            ModelId = "m",
            ExtensionData = new Dictionary<string, object> { ["max_steps"] = "12", ["session_id"] = "chat-1", ["temperature"] = 0.2 },
        });

        Assert.Equal(12, settings.MaxSteps);
        Assert.Equal("chat-1", settings.SessionId);
        Assert.Equal("victoria", settings.ServiceId);
        Assert.Equal("m", settings.ModelId);
    }

    [Fact]
    public void Settings_from_a_prompt_config_json_are_read()
    {
        var config = PromptTemplateConfig.FromJson("""
            { "template": "{{$input}}", "execution_settings": { "default": { "max_steps": 9, "session_id": "s", "max_tokens": 100 } } }
            """);

        var settings = VictoriaPromptExecutionSettings.FromExecutionSettings(config.ExecutionSettings["default"]);

        Assert.Equal(9, settings.MaxSteps);
        Assert.Equal("s", settings.SessionId);
    }

    [Fact]
    public void A_non_integer_max_steps_is_an_argument_error()
    {
        var source = new PromptExecutionSettings { ExtensionData = new Dictionary<string, object> { ["max_steps"] = "many" } };

        Assert.Throws<ArgumentException>(() => VictoriaPromptExecutionSettings.FromExecutionSettings(source));
    }

    [Fact]
    public void Frozen_settings_reject_changes_and_clone_unfrozen()
    {
        var settings = new VictoriaPromptExecutionSettings { MaxSteps = 4, SessionId = "a" };
        settings.Freeze();

        Assert.Throws<InvalidOperationException>(() => settings.MaxSteps = 5);
        var clone = (VictoriaPromptExecutionSettings)settings.Clone();
        clone.MaxSteps = 5;
        Assert.Equal("a", clone.SessionId);
    }

    [Fact]
    public void Serializes_with_victorias_names()
    {
        var json = JsonSerializer.Serialize(new VictoriaPromptExecutionSettings { MaxSteps = 2, SessionId = "x" });

        Assert.Contains("\"max_steps\":2", json);
        Assert.Contains("\"session_id\":\"x\"", json);
    }
}
