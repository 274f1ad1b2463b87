using AgentHost.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;

namespace AgentHost.Tests.Plugins;

/// <summary>The built-in plugins are KernelPlugin singletons whose functions describe themselves and their parameters to a model.</summary>
public sealed class PluginRegistrationTests
{
    [Fact]
    public async Task Every_builtin_plugin_is_a_described_kernel_plugin()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddAgentHostPlugins(new ConfigurationBuilder().Build());
        await using var provider = services.BuildServiceProvider();

        var plugins = provider.GetServices<KernelPlugin>().ToDictionary(p => p.Name);

        Assert.Equal(["datetime", "http", "math", "workspace"], plugins.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["add_to_date", "convert_time_zone", "days_between", "now"], plugins["datetime"].Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["evaluate"], plugins["math"].Select(f => f.Name));
        Assert.Equal(["list_directory", "read_file"], plugins["workspace"].Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["get"], plugins["http"].Select(f => f.Name));
        foreach (var function in plugins.Values.SelectMany(p => p))
        {
            Assert.False(string.IsNullOrWhiteSpace(function.Description), function.Name);
            Assert.All(function.Metadata.Parameters.Where(p => p.ParameterType != typeof(CancellationToken)),
                p => Assert.False(string.IsNullOrWhiteSpace(p.Description), $"{function.Name}.{p.Name}"));
        }
    }

    [Fact]
    public async Task The_math_function_runs_through_the_kernel_as_a_model_would_call_it()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddAgentHostPlugins(new ConfigurationBuilder().Build());
        await using var provider = services.BuildServiceProvider();
        var kernel = new Kernel(provider, new KernelPluginCollection(provider.GetServices<KernelPlugin>()));

        var result = await kernel.InvokeAsync("math", "evaluate", new KernelArguments { ["expression"] = "(2 + 3) ^ 2 % 7" });

        Assert.Equal("4", result.GetValue<string>());
    }
}
