using System.ComponentModel.DataAnnotations;

namespace AgentHost.Connectors.Ollama.Tests.Settings;

public sealed class OllamaBackendOptionsTests
{
    private static List<string> Errors(OllamaBackendOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage!).ToList();
    }

    [Fact]
    public void Defaults_are_ollamas_and_honest()
    {
        var options = new OllamaBackendOptions();

        Assert.True(options.Enabled);
        Assert.Equal("http://localhost:11434", options.Endpoint);
        Assert.Equal("llama3.2", options.Model);
        Assert.Null(options.KeepAlive);
        Assert.False(options.WarmUpOnStart);
        Assert.Equal(TimeSpan.FromSeconds(5), options.HealthTimeout);
        Assert.True(options.Capabilities.SupportsTools);
        Assert.True(options.Capabilities.SupportsTokenStreaming);
        Assert.Null(options.Capabilities.ContextWindow);
        Assert.Empty(Errors(options));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(600.0, "600s")]
    [InlineData(0.5, "1s")]
    [InlineData(0.0, "0s")]
    [InlineData(-1.0, "-1s")]
    public void Keep_alive_goes_out_as_a_go_duration(double? seconds, string? expected)
    {
        var options = new OllamaBackendOptions { KeepAlive = seconds is { } s ? TimeSpan.FromSeconds(s) : null };

        Assert.Equal(expected, options.KeepAliveWireValue);
    }

    [Fact]
    public void Bad_values_are_named_clearly()
    {
        var options = new OllamaBackendOptions { Endpoint = "localhost:11434", Model = " ", HealthTimeout = TimeSpan.Zero };

        Assert.Equal(
            ["Endpoint 'localhost:11434' is not an absolute http:// or https:// URL.", "Model is required (an Ollama model name such as 'llama3.2').", "HealthTimeout must be positive (was 00:00:00)."],
            Errors(options));
    }

    [Fact]
    public void Disabled_backend_is_not_validated()
    {
        Assert.Empty(Errors(new OllamaBackendOptions { Enabled = false, Endpoint = "nonsense", Model = null }));
    }
}
