using AgentHost.Backends;
using AgentHost.Connectors.Embedded.Tests.TestSupport;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Connectors.Embedded.Tests.Extensions;

public sealed class EmbeddedServiceCollectionExtensionsTests
{
    [Fact]
    public void Registers_a_last_resort_descriptor_and_keyed_chat_client_health_check_catalog_and_sk_service()
    {
        using var services = TinyModel.Services();

        var descriptor = Assert.Single(services.GetServices<BackendDescriptor>());
        Assert.Equal("Embedded", descriptor.Name);
        Assert.Equal("Embedded (LLamaSharp)", descriptor.DisplayName);
        Assert.True(descriptor.IsLastResort);
        Assert.IsType<EmbeddedChatClient>(services.GetRequiredKeyedService<IChatClient>("Embedded"));
        Assert.IsType<EmbeddedHealthCheck>(services.GetRequiredKeyedService<IHealthCheck>("Embedded"));
        Assert.IsType<EmbeddedModelCatalog>(services.GetRequiredKeyedService<IModelCatalog>("Embedded"));
        Assert.NotNull(services.GetRequiredKeyedService<IChatCompletionService>("Embedded"));
        var options = descriptor.GetOptions(services);
        Assert.False(options.Capabilities.SupportsTools);
        Assert.Equal(256, options.Capabilities.ContextWindow);
    }

    [Fact]
    public void Binds_from_a_configuration_section_and_is_off_without_a_model_path()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Embedded:Enabled"] = "true",
            ["Embedded:ModelPath"] = "",
            ["Embedded:MaxTokens"] = "32",
        }).Build();
        using var services = new ServiceCollection().AddEmbeddedChatClient(configuration.GetSection("Embedded")).BuildServiceProvider();

        var options = services.GetRequiredService<IOptionsMonitor<EmbeddedBackendOptions>>().Get("Embedded");

        Assert.False(options.Enabled);
        Assert.Equal(32, options.MaxTokens);
    }

    [Fact]
    public void A_missing_model_file_fails_validation_at_start_with_one_line()
    {
        using var services = TinyModel.Services(o => o.ModelPath = "/nowhere/model.gguf");

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptionsMonitor<EmbeddedBackendOptions>>().Get("Embedded"));

        Assert.Equal("Embedded", error.OptionsName);
        Assert.Contains("ModelPath '/nowhere/model.gguf' does not exist.", Assert.Single(error.Failures));
    }

    [Fact]
    public void Two_embedded_backends_under_different_names_have_their_own_models()
    {
        var services = new ServiceCollection();
        services.AddEmbeddedChatClient(o => o.ModelPath = TinyModel.Path, "Small");
        services.AddEmbeddedChatClient(o => o.ModelPath = TinyModel.Path, "Other");
        using var provider = services.BuildServiceProvider();

        Assert.NotSame(provider.GetRequiredKeyedService<EmbeddedModel>("Small"), provider.GetRequiredKeyedService<EmbeddedModel>("Other"));
        Assert.Equal(2, provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<EmbeddedModelWarmer>().Count());
    }

    [Fact]
    public async Task Kernel_builder_registration_runs_a_prompt_function_on_the_embedded_model()
    {
        var builder = Kernel.CreateBuilder();
        builder.AddEmbeddedChatClient(o => { o.ModelPath = TinyModel.Path; o.MaxTokens = 12; });
        var kernel = builder.Build();

        var result = await kernel.InvokePromptAsync("Say hello to {{$name}}", new KernelArguments(new PromptExecutionSettings { ServiceId = "Embedded" }) { ["name"] = "Ada" });

        Assert.False(string.IsNullOrEmpty(result.GetValue<string>()));
        Assert.Equal("tiny-llama.gguf", result.GetValue<ChatMessageContent>()?.ModelId);
    }
}
