using AgentHost.Backends;
using AgentHost.Emulators.Victoria;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Connectors.Victoria.Tests.Extensions;

public sealed class VictoriaServiceCollectionExtensionsTests
{
    [Fact]
    public async Task Registers_keyed_chat_client_health_check_catalog_and_descriptor()
    {
        await using var host = await VictoriaTestHost.StartAsync();
        var services = host.Services;

        var descriptor = Assert.Single(services.GetServices<BackendDescriptor>());
        Assert.Equal("Victoria", descriptor.Name);
        Assert.Equal("Victoria", descriptor.DisplayName);
        Assert.IsType<VictoriaOptions>(descriptor.GetOptions(services));
        Assert.IsType<VictoriaHealthCheck>(services.GetRequiredKeyedService<IHealthCheck>(BackendNames.Victoria));
        Assert.IsType<VictoriaModelCatalog>(services.GetRequiredKeyedService<IModelCatalog>(BackendNames.Victoria));
        Assert.IsType<VictoriaChatClient>(services.GetRequiredKeyedService<IChatClient>(BackendNames.Victoria));
        Assert.NotNull(services.GetRequiredKeyedService<IChatCompletionService>(BackendNames.Victoria));

        var client = services.GetRequiredKeyedService<IChatClient>(BackendNames.Victoria);
        var response = await client.GetResponseAsync("through MEAI");
        Assert.Equal("Victoria: through MEAI", response.Text);
    }

    [Fact]
    public async Task Binds_options_from_a_configuration_section()
    {
        await using var emulator = new VictoriaEmulator();
        await emulator.StartAsync();
        emulator.StreamRouteEnabled = true;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentHost:Backends:Victoria:Endpoint"] = emulator.BaseAddress.ToString(),
            ["AgentHost:Backends:Victoria:Mode"] = "Async",
            ["AgentHost:Backends:Victoria:PollInterval"] = "00:00:00.005",
            ["AgentHost:Backends:Victoria:ProjectContext"] = "atra",
            ["AgentHost:Backends:Victoria:UseStreamEndpoint"] = "true",
        }).Build();
        await using var services = new ServiceCollection()
            .AddVictoriaChatCompletion(configuration.GetSection("AgentHost:Backends:Victoria"))
            .BuildServiceProvider();

        var options = services.GetRequiredService<IOptionsMonitor<VictoriaOptions>>().Get(BackendNames.Victoria);
        Assert.Equal(VictoriaRunMode.Async, options.Mode);
        Assert.True(options.Capabilities.SupportsTokenStreaming);

        var chat = services.GetRequiredKeyedService<IChatCompletionService>(BackendNames.Victoria);
        var reply = await chat.GetChatMessageContentAsync("bound");
        Assert.Equal("Victoria: bound", reply.Content);
        Assert.Equal("/run?async_mode=true", emulator.Requests[0].PathAndQuery);
        Assert.Contains("\"project_context\":\"atra\"", emulator.Requests[0].Body);
    }

    [Fact]
    public async Task A_bad_endpoint_fails_with_a_clear_validation_message()
    {
        await using var services = new ServiceCollection()
            .AddVictoriaChatCompletion(o => o.Endpoint = "victoria:8010/")
            .BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredKeyedService<IChatClient>(BackendNames.Victoria));

        Assert.Contains("Endpoint 'victoria:8010/' is not an absolute http:// or https:// URL.", e.Message);
    }

    [Fact]
    public async Task A_custom_name_keys_every_service()
    {
        await using var services = new ServiceCollection()
            .AddVictoriaChatCompletion(o => o.Model = "lead", name: "VictoriaB")
            .BuildServiceProvider();

        Assert.Equal("VictoriaB", services.GetRequiredService<BackendDescriptor>().Name);
        Assert.NotNull(services.GetKeyedService<IChatCompletionService>("VictoriaB"));
        Assert.Null(services.GetKeyedService<IChatCompletionService>(BackendNames.Victoria));
        var models = await services.GetRequiredKeyedService<IModelCatalog>("VictoriaB").ListModelsAsync();
        Assert.Equal("lead", Assert.Single(models).Name);
    }

    [Fact]
    public void The_named_http_client_gets_a_15_minute_timeout_by_default()
    {
        using var services = new ServiceCollection().AddVictoriaChatCompletion().BuildServiceProvider();

        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(BackendServiceCollectionExtensions.HttpClientName(BackendNames.Victoria));

        Assert.Equal(TimeSpan.FromMinutes(15), http.Timeout);
        Assert.Equal(new Uri("http://localhost:8010"), http.BaseAddress);
    }

    [Fact]
    public async Task AddVictoriaChatClient_registers_a_keyed_chat_client_that_answers_from_the_server()
    {
        await using var emulator = new VictoriaEmulator();
        await emulator.StartAsync();
        await using var services = new ServiceCollection().AddVictoriaChatClient(o => o.Endpoint = emulator.BaseAddress.ToString()).BuildServiceProvider();

        var response = await services.GetRequiredKeyedService<IChatClient>(BackendNames.Victoria).GetResponseAsync("hi");

        Assert.Equal("Victoria: hi", response.Text);
        Assert.Equal("Victoria", Assert.Single(services.GetServices<BackendDescriptor>()).Name);
    }

    [Fact]
    public async Task Kernel_builder_AddVictoriaChatClient_serves_prompts_through_the_kernel()
    {
        await using var emulator = new VictoriaEmulator();
        await emulator.StartAsync();
        var kernel = Kernel.CreateBuilder().AddVictoriaChatClient(o => o.Endpoint = emulator.BaseAddress.ToString()).Build();

        var result = await kernel.InvokePromptAsync("Say cheese");

        Assert.Equal("Victoria: Say cheese", result.GetValue<string>());
    }
}
