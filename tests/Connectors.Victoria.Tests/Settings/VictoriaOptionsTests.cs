using System.ComponentModel.DataAnnotations;

namespace AgentHost.Connectors.Victoria.Tests.Settings;

public sealed class VictoriaOptionsTests
{
    private static List<ValidationResult> Validate(VictoriaOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Defaults_are_victorias_and_honest()
    {
        var options = new VictoriaOptions();

        Assert.Equal("http://localhost:8010", options.Endpoint);
        Assert.Equal(VictoriaRunMode.Sync, options.Mode);
        Assert.Equal(TimeSpan.FromSeconds(2), options.PollInterval);
        Assert.Equal(TimeSpan.FromMinutes(15), options.PollTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.HealthTimeout);
        Assert.Equal(TimeSpan.FromMinutes(15), VictoriaOptions.DefaultRequestTimeout);
        Assert.False(options.Capabilities.SupportsTools);
        Assert.False(options.Capabilities.SupportsTokenStreaming);
        Assert.True(options.Capabilities.SupportsSystemPrompt);
        Assert.Empty(Validate(options));
    }

    [Fact]
    public void Stream_endpoint_turns_token_streaming_on()
    {
        var options = new VictoriaOptions { UseStreamEndpoint = true };

        Assert.True(options.Capabilities.SupportsTokenStreaming);
        Assert.False(options.Capabilities.SupportsTools);
    }

    [Theory]
    [InlineData(0, 900, 5, "PollInterval must be positive")]
    [InlineData(2, 0, 5, "PollTimeout must be positive")]
    [InlineData(10, 5, 5, "must not be shorter than PollInterval")]
    [InlineData(2, 900, 0, "HealthTimeout must be positive")]
    public void Bad_timings_are_rejected_with_a_clear_message(int pollSeconds, int timeoutSeconds, int healthSeconds, string message)
    {
        var options = new VictoriaOptions
        {
            PollInterval = TimeSpan.FromSeconds(pollSeconds),
            PollTimeout = TimeSpan.FromSeconds(timeoutSeconds),
            HealthTimeout = TimeSpan.FromSeconds(healthSeconds),
        };

        Assert.Contains(Validate(options), r => r.ErrorMessage!.Contains(message));
    }

    [Fact]
    public void Non_positive_max_steps_is_rejected()
    {
        Assert.Contains(Validate(new VictoriaOptions { MaxSteps = 0 }), r => r.ErrorMessage!.Contains("MaxSteps"));
    }

    [Fact]
    public void Bad_endpoint_is_rejected_with_the_value()
    {
        var results = Validate(new VictoriaOptions { Endpoint = "localhost:8010" });

        Assert.Contains(results, r => r.ErrorMessage == "Endpoint 'localhost:8010' is not an absolute http:// or https:// URL.");
    }
}
