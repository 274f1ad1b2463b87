using System.ComponentModel.DataAnnotations;
using AgentHost.Connectors.Embedded.Tests.TestSupport;

namespace AgentHost.Connectors.Embedded.Tests.Settings;

public sealed class EmbeddedBackendOptionsTests
{
    [Fact]
    public void Defaults_declare_no_tools_token_streaming_a_256_token_limit_and_no_endpoint()
    {
        var options = new EmbeddedBackendOptions();

        Assert.False(options.Capabilities.SupportsTools);
        Assert.True(options.Capabilities.SupportsTokenStreaming);
        Assert.True(options.Capabilities.SupportsSystemPrompt);
        Assert.Equal(256, options.MaxTokens);
        Assert.Null(options.Endpoint);
        Assert.False(options.WarmUp);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Without_a_model_path_the_backend_is_off_and_valid(string? path)
    {
        var options = new EmbeddedBackendOptions { Enabled = true, ModelPath = path };

        options.ApplyModelDefaults();

        Assert.False(options.Enabled);
        Assert.Empty(Validate(options));
    }

    [Fact]
    public void A_model_path_names_the_model_and_declares_the_context_window_from_the_file()
    {
        var options = new EmbeddedBackendOptions { ModelPath = TinyModel.Path };

        options.ApplyModelDefaults();

        Assert.True(options.Enabled);
        Assert.Equal("tiny-llama.gguf", options.Model);
        Assert.Equal(256, options.Capabilities.ContextWindow);
        Assert.Empty(Validate(options));
    }

    [Fact]
    public void A_configured_context_size_is_the_declared_window()
    {
        var options = new EmbeddedBackendOptions { ModelPath = TinyModel.Path, ContextSize = 128 };

        options.ApplyModelDefaults();

        Assert.Equal(128, options.Capabilities.ContextWindow);
    }

    [Fact]
    public void A_path_that_does_not_exist_is_one_readable_failure()
    {
        var options = new EmbeddedBackendOptions { ModelPath = "/models/missing.gguf" };
        options.ApplyModelDefaults();

        var failure = Assert.Single(Validate(options));

        Assert.Equal("ModelPath '/models/missing.gguf' does not exist.", failure.ErrorMessage);
    }

    [Fact]
    public void A_file_that_is_not_a_gguf_is_one_readable_failure()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "readme.txt");
        File.WriteAllText(path, "# not a model");
        var options = new EmbeddedBackendOptions { ModelPath = path };
        options.ApplyModelDefaults();

        var failure = Assert.Single(Validate(options));

        Assert.Equal($"ModelPath '{path}' is not a GGUF file (it starts with '# no', not 'GGUF').", failure.ErrorMessage);
    }

    [Fact]
    public void A_relative_path_and_a_home_path_are_made_absolute()
    {
        Assert.Equal(Path.GetFullPath("models/m.gguf"), new EmbeddedBackendOptions { ModelPath = "models/m.gguf" }.FullModelPath);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.Join(home, "models/m.gguf"), new EmbeddedBackendOptions { ModelPath = "~/models/m.gguf" }.FullModelPath);
    }

    [Theory]
    [InlineData("MaxTokens")]
    [InlineData("ContextSize")]
    [InlineData("Threads")]
    [InlineData("MaxConcurrentRequests")]
    [InlineData("IdleUnloadAfter")]
    public void Out_of_range_numbers_are_named_in_the_failure(string member)
    {
        var options = new EmbeddedBackendOptions { ModelPath = TinyModel.Path };
        switch (member)
        {
            case "MaxTokens":
                options.MaxTokens = 0;
                break;
            case "ContextSize":
                options.ContextSize = 4;
                break;
            case "Threads":
                options.Threads = 0;
                break;
            case "MaxConcurrentRequests":
                options.MaxConcurrentRequests = 0;
                break;
            case "IdleUnloadAfter":
                options.IdleUnloadAfter = TimeSpan.FromSeconds(-1);
                break;
        }

        options.ApplyModelDefaults();

        var failure = Assert.Single(Validate(options));
        Assert.StartsWith(member + " must", failure.ErrorMessage);
    }

    private static List<ValidationResult> Validate(EmbeddedBackendOptions options) => [.. options.Validate(new ValidationContext(options))];
}
