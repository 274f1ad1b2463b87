using System.ComponentModel.DataAnnotations;

namespace AgentHost.Connectors.Mlx.Tests.Settings;

public sealed class MlxOptionsTests
{
    [Fact]
    public void Defaults_are_the_mlx_api_server_and_honest_capabilities()
    {
        var options = new MlxOptions();

        Assert.Equal("http://localhost:11435", options.Endpoint);
        Assert.Equal(MlxProtocol.Generate, options.Protocol);
        Assert.Equal(512, options.MaxTokens);
        Assert.Equal(TimeSpan.FromSeconds(5), options.HealthTimeout);
        Assert.Null(options.Category);
        Assert.Null(options.Priority);
        Assert.False(options.Capabilities.SupportsTools);
        Assert.False(options.Capabilities.SupportsTokenStreaming);
        Assert.True(options.Capabilities.SupportsSystemPrompt);
        Assert.Null(options.Capabilities.ContextWindow);
        Assert.Empty(Validate(options));
    }

    [Theory]
    [InlineData(MlxProtocol.Generate, false)]
    [InlineData(MlxProtocol.Chat, false)]
    [InlineData(MlxProtocol.OpenAI, true)]
    public void Token_streaming_follows_the_protocol(MlxProtocol protocol, bool streams)
    {
        Assert.Equal(streams, new MlxOptions { Protocol = protocol }.Capabilities.SupportsTokenStreaming);
    }

    [Theory]
    [InlineData("reasoning")]
    [InlineData("Coding")]
    [InlineData("tiny")]
    public void Known_categories_are_valid(string category)
    {
        Assert.Empty(Validate(new MlxOptions { Category = category }));
    }

    [Fact]
    public void Every_invalid_value_is_named()
    {
        var options = new MlxOptions
        {
            Endpoint = "localhost:11435",
            Category = "huge",
            MaxTokens = 0,
            HealthTimeout = TimeSpan.Zero,
            Protocol = (MlxProtocol)42,
        };

        var errors = Validate(options).Select(r => r.ErrorMessage).ToList();

        Assert.Contains("Endpoint 'localhost:11435' is not an absolute http:// or https:// URL.", errors);
        Assert.Contains(errors, e => e!.StartsWith("Category 'huge' is not one of reasoning, coding", StringComparison.Ordinal));
        Assert.Contains(errors, e => e!.StartsWith("MaxTokens must be positive", StringComparison.Ordinal));
        Assert.Contains(errors, e => e!.StartsWith("HealthTimeout must be positive", StringComparison.Ordinal));
        Assert.Contains(errors, e => e!.StartsWith("Protocol '42' is not one of Generate, Chat, OpenAI", StringComparison.Ordinal));
    }

    [Fact]
    public void Disabled_backend_is_not_validated()
    {
        Assert.Empty(Validate(new MlxOptions { Enabled = false, Endpoint = "nope", Category = "huge" }));
    }

    private static List<ValidationResult> Validate(MlxOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
