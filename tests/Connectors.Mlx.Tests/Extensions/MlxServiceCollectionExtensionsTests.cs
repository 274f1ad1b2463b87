using AgentHost.Backends;
using AgentHost.Connectors.Mlx.Tests.Support;
using AgentHost.Emulators.Mlx;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;

namespace AgentHost.Connectors.Mlx.Tests.Extensions;

public sealed class MlxServiceCollectionExtensionsTests
{
    [Fact]
    public void Registers_the_backend_the_way_the_chain_finds_it()
    {
        using var services = new ServiceCollection().AddMlxChatCompletion().BuildServiceProvider();

        var descriptor = Assert.Single(services.GetServices<BackendDescriptor>());
        Assert.Equal(BackendNames.Mlx, descriptor.Name);
        Assert.Equal("MLX API Server", descriptor.DisplayName);
        Assert.IsType<MlxOptions>(descriptor.GetOptions(services));
        Assert.IsType<MlxChatClient>(services.GetRequiredKeyedService<IChatClient>(BackendNames.Mlx));
        Assert.NotNull(services.GetRequiredKeyedService<IChatCompletionService>(BackendNames.Mlx));
        Assert.IsType<MlxHealthCheck>(services.GetRequiredKeyedService<IHealthCheck>(BackendNames.Mlx));
        Assert.IsType<MlxModelCatalog>(services.GetRequiredKeyedService<IModelCatalog>(BackendNames.Mlx));
    }

    [Fact]
    public void Http_client_gets_the_endpoint_and_a_ten_minute_timeout_by_default()
    {
        using var services = new ServiceCollection().AddMlxChatCompletion().BuildServiceProvider();

        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(BackendServiceCollectionExtensions.HttpClientName(BackendNames.Mlx));

        Assert.Equal(TimeSpan.FromMinutes(10), http.Timeout);
        Assert.Equal(new Uri("http://localhost:11435/"), http.BaseAddress);
    }

    [Fact]
    public async Task Binds_a_configuration_section_and_serves_from_it()
    {
        await using var emulator = new MlxEmulator();
        await emulator.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentHost:Backends:Mlx:Endpoint"] = emulator.BaseAddress.ToString(),
            ["AgentHost:Backends:Mlx:Model"] = "phi3.5:3.8b",
            ["AgentHost:Backends:Mlx:Protocol"] = "Chat",
            ["AgentHost:Backends:Mlx:Category"] = "fast",
            ["AgentHost:Backends:Mlx:Priority"] = "low",
            ["AgentHost:Backends:Mlx:RequestTimeout"] = "00:00:30",
            ["AgentHost:Backends:Mlx:Capabilities:ContextWindow"] = "4096",
        }).Build();
        emulator.ChatRouteEnabled = true;
        using var services = new ServiceCollection()
            .AddMlxChatCompletion(configuration.GetSection("AgentHost:Backends:Mlx"))
            .BuildServiceProvider();

        var options = services.GetRequiredService<IOptionsMonitor<MlxOptions>>().Get(BackendNames.Mlx);
        var answer = await services.GetRequiredKeyedService<IChatCompletionService>(BackendNames.Mlx).GetChatMessageContentAsync("hi");

        Assert.Equal(MlxProtocol.Chat, options.Protocol);
        Assert.Equal(MlxRequestPriority.Low, options.Priority);
        Assert.Equal(4096, options.Capabilities.ContextWindow);
        Assert.False(options.Capabilities.SupportsTokenStreaming);
        Assert.Equal("MLX: hi", answer.Content);
        Assert.Equal("/api/chat", emulator.Requests.Last().PathAndQuery);
        Assert.Equal("low", emulator.Requests.Last().Headers["X-Request-Priority"]);
        Assert.Equal(TimeSpan.FromSeconds(30), services.GetRequiredService<IHttpClientFactory>().CreateClient(BackendServiceCollectionExtensions.HttpClientName(BackendNames.Mlx)).Timeout);
    }

    [Fact]
    public void Bad_endpoint_fails_at_start_with_a_clear_message()
    {
        using var services = new ServiceCollection()
            .AddMlxChatCompletion(o => o.Endpoint = "localhost:11435")
            .BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Endpoint 'localhost:11435' is not an absolute http:// or https:// URL.", e.Message);
    }

    [Fact]
    public void Unknown_category_in_configuration_fails_at_start()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Category"] = "enormous" }).Build();
        using var services = new ServiceCollection().AddMlxChatCompletion(configuration).BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Category 'enormous'", e.Message);
    }

    [Fact]
    public void Several_servers_register_under_their_own_names()
    {
        using var services = new ServiceCollection()
            .AddMlxChatCompletion(o => o.Endpoint = "http://studio-1:11435", name: "Mlx1")
            .AddMlxChatCompletion(o => o.Endpoint = "http://studio-2:8080", name: "Mlx2")
            .BuildServiceProvider();

        Assert.Equal(["Mlx1", "Mlx2"], services.GetServices<BackendDescriptor>().Select(d => d.Name));
        // SK's adapter reports the client's ChatClientMetadata.ProviderUri, so the endpoint reads in its URI form.
        Assert.Equal("http://studio-2:8080/", services.GetRequiredKeyedService<IChatCompletionService>("Mlx2").GetEndpoint());
    }

    [Fact]
    public async Task Kernel_builder_registration_serves_prompts_through_the_kernel()
    {
        await using var emulator = new MlxEmulator();
        await emulator.StartAsync();
        var builder = Kernel.CreateBuilder().AddMlxChatCompletion(o => o.Endpoint = emulator.BaseAddress.ToString());
        var kernel = builder.Build();

        var result = await kernel.InvokePromptAsync("Say {{$word}}", new KernelArguments { ["word"] = "cheese" });

        Assert.Equal("MLX: Say cheese", result.GetValue<string>());
    }

    [Fact]
    public void Kernel_builder_binds_a_section_too()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Model"] = "tiny" }).Build();

        var kernel = Kernel.CreateBuilder().AddMlxChatCompletion(configuration, "Edge").Build();

        Assert.Equal("tiny", kernel.Services.GetRequiredKeyedService<IChatCompletionService>("Edge").GetModelId());
    }

    [Fact]
    public async Task AddMlxChatClient_registers_a_keyed_chat_client_that_answers_from_the_server()
    {
        await using var emulator = new MlxEmulator();
        await emulator.StartAsync();
        await using var services = new ServiceCollection().AddMlxChatClient(o => o.Endpoint = emulator.BaseAddress.ToString()).BuildServiceProvider();

        var response = await services.GetRequiredKeyedService<IChatClient>(BackendNames.Mlx).GetResponseAsync("hi");

        Assert.Equal("MLX: hi", response.Text);
        Assert.Equal(BackendNames.Mlx, Assert.Single(services.GetServices<BackendDescriptor>()).Name);
    }

    [Fact]
    public async Task Kernel_builder_AddMlxChatClient_serves_prompts_through_the_kernel()
    {
        await using var emulator = new MlxEmulator();
        await emulator.StartAsync();
        var kernel = Kernel.CreateBuilder().AddMlxChatClient(o => o.Endpoint = emulator.BaseAddress.ToString()).Build();

        var result = await kernel.InvokePromptAsync("Say cheese");

        Assert.Equal("MLX: Say cheese", result.GetValue<string>());
    }
}
