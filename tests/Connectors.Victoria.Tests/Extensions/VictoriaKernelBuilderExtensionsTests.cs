using AgentHost.Backends;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Connectors.Victoria.Tests.Extensions;

public sealed class VictoriaKernelBuilderExtensionsTests
{
    [Fact]
    public async Task A_kernel_prompt_runs_through_victoria_by_service_key()
    {
        await using var host = await VictoriaTestHost.StartAsync();
        var builder = Kernel.CreateBuilder();
        builder.AddVictoriaChatCompletion(o => o.Endpoint = host.Emulator.BaseAddress.ToString());
        var kernel = builder.Build();

        var result = await kernel.InvokePromptAsync("Say {{$what}}", new KernelArguments(new PromptExecutionSettings { ServiceId = BackendNames.Victoria }) { ["what"] = "hi" });

        Assert.Equal("Victoria: Say hi", result.GetValue<string>());
    }

    [Fact]
    public void The_configuration_overload_registers_the_keyed_service()
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Endpoint"] = "http://127.0.0.1:9" }).Build();
        var builder = Kernel.CreateBuilder();

        builder.AddVictoriaChatCompletion(section);

        var services = builder.Build().Services;
        Assert.IsType<VictoriaChatClient>(services.GetRequiredKeyedService<IChatClient>(BackendNames.Victoria));
        Assert.NotNull(services.GetRequiredKeyedService<IChatCompletionService>(BackendNames.Victoria));
    }
}
