using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Fallback.Tests.Extensions;

public sealed class FallbackServiceCollectionExtensionsTests
{
    [Fact]
    public async Task The_chain_is_the_non_keyed_chat_client_chat_completion_service_and_service_selector()
    {
        await using var h = new ChainHarness().Backend("A", new FakeChatClient("A").Answers("x")).Chain(o => o.Order = ["A"]);

        Assert.IsType<FallbackChatClient>(h.Provider.GetRequiredService<IChatClient>());
        Assert.IsType<FallbackChatCompletionService>(h.Provider.GetRequiredService<IChatCompletionService>());
        Assert.IsType<FallbackAIServiceSelector>(h.Provider.GetRequiredService<IAIServiceSelector>());
        Assert.IsType<FakeChatClient>(h.Provider.GetRequiredKeyedService<IChatClient>("A"));
    }

    [Fact]
    public async Task The_sk_free_registration_gives_the_chain_as_chat_client_and_registers_nothing_of_sk()
    {
        await using var h = new ChainHarness().Backend("A", new FakeChatClient("A").Answers("from A"));
        h.Services.AddFallbackChatClient(o => o.Order = ["A"]);

        var chain = h.Provider.GetRequiredService<IChatClient>();

        Assert.IsType<FallbackChatClient>(chain);
        Assert.Equal("from A", (await chain.GetResponseAsync("hi")).Text);
        Assert.Null(h.Provider.GetService<IChatCompletionService>());
        Assert.Null(h.Provider.GetService<IAIServiceSelector>());
    }

    [Fact]
    public async Task Steps_configured_for_every_backend_wrap_each_backends_client_in_the_chain_only()
    {
        var wrapped = new List<string>();
        await using var h = new ChainHarness().Backend("A", new FakeChatClient("A").Answers("from A")).Chain(o => o.Order = ["A"]);
        h.Services.ConfigureFallbackBackends((name, backend) => backend.Use((messages, options, next, cancellationToken) =>
        {
            lock (wrapped)
            {
                wrapped.Add(name);
            }

            return next(messages, options, cancellationToken);
        }));

        var response = await h.Client.GetResponseAsync("hi");

        Assert.Equal("from A", response.Text);
        Assert.Equal(["A"], wrapped);
        Assert.IsType<FakeChatClient>(h.Provider.GetRequiredKeyedService<IChatClient>("A"));
    }

    [Fact]
    public void The_core_assembly_references_no_semantic_kernel_assembly()
    {
        var references = typeof(FallbackChatClient).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        var abstractions = typeof(AgentHost.Backends.BackendDescriptor).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.DoesNotContain(references, n => n.StartsWith("Microsoft.SemanticKernel", StringComparison.Ordinal));
        Assert.DoesNotContain(abstractions, n => n.StartsWith("Microsoft.SemanticKernel", StringComparison.Ordinal));
        Assert.Contains("Microsoft.Extensions.AI", references);
        Assert.Contains("Polly.Core", references);
    }

    [Fact]
    public async Task An_order_naming_an_unregistered_backend_fails_at_start_with_one_readable_line()
    {
        await using var h = new ChainHarness().Backend("Mlx", new FakeChatClient("A").Answers("x")).Chain(o => o.Order = ["Mlx", "Olama?"]);

        var ex = Assert.Throws<OptionsValidationException>(() => h.Provider.GetRequiredService<IOptions<FallbackOptions>>().Value);

        Assert.Equal("AgentHost:Fallback:Order names 'Olama', which is not a registered backend (registered: Mlx).", ex.Message);
    }

    [Fact]
    public async Task The_default_order_uses_the_registered_backends_only()
    {
        await using var h = new ChainHarness().Backend("Ollama", new FakeChatClient("O").Answers("x")).Backend("Mlx", new FakeChatClient("M").Answers("y"));
        h.Services.AddFallbackChatCompletion();

        Assert.Equal(["Mlx", "Ollama"], h.Client.Order);
    }

    [Fact]
    public async Task A_configured_order_replaces_the_default_and_names_are_case_insensitive()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentHost:Fallback:Order:0"] = "ollama",
            ["AgentHost:Fallback:Order:1"] = "MLX?",
            ["AgentHost:Fallback:Backends:Mlx:FirstTokenTimeout"] = "00:05:00",
            ["AgentHost:Fallback:Hedging:Enabled"] = "true",
        }).Build();
        await using var h = new ChainHarness().Backend("Ollama", new FakeChatClient("O").Answers("x")).Backend("Mlx", new FakeChatClient("M").Answers("y"));
        h.Services.AddFallbackChatCompletion(config.GetSection(FallbackOptions.SectionName));

        var options = h.Provider.GetRequiredService<IOptions<FallbackOptions>>().Value;

        Assert.Equal(["ollama", "MLX?"], options.Order);
        Assert.Equal(["Ollama", "Mlx?"], h.Client.Order);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Backends["mlx"].FirstTokenTimeout);
        Assert.True(options.Hedging.Enabled);
        Assert.Equal(1, options.Resilience.MaxRetryAttempts);
    }

    [Fact]
    public void The_kernel_builder_shape_registers_the_chain()
    {
        var builder = Kernel.CreateBuilder();
        var h = new ChainHarness();
        h.Backend("A", new FakeChatClient("A").Answers("from kernel builder"));
        foreach (var d in h.Services)
        {
            builder.Services.Add(d);
        }

        var kernel = builder.AddFallbackChatCompletion(o => o.Order = ["A"]).Build();

        Assert.IsType<FallbackChatCompletionService>(kernel.GetRequiredService<IChatCompletionService>());
    }
}
