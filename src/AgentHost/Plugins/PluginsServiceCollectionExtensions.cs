using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;

namespace AgentHost.Plugins;

/// <summary>Registers the built-in plugins (<c>datetime</c>, <c>math</c>, <c>workspace</c>, <c>http</c>) as <see cref="KernelPlugin"/> singletons.</summary>
internal static class PluginsServiceCollectionExtensions
{
    /// <summary>The names of the built-in plugins.</summary>
    public static IReadOnlyList<string> BuiltInPluginNames { get; } =
        [DateTimePlugin.PluginName, MathPlugin.PluginName, WorkspacePlugin.PluginName, HttpGetPlugin.PluginName];

    /// <summary>
    /// Adds the built-in plugins, their options (bound from <c>AgentHost:Plugins:Workspace</c> and <c>AgentHost:Plugins:Http</c>,
    /// validated at start) and the HttpClient of the <c>http</c> plugin (redirects are not followed automatically).
    /// </summary>
    public static IServiceCollection AddAgentHostPlugins(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WorkspacePluginOptions>().Bind(configuration.GetSection(WorkspacePluginOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<HttpPluginOptions>().Bind(configuration.GetSection(HttpPluginOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(HttpGetPlugin.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan); // the plugin's own timeout applies, over redirects too

        services.AddSingleton<KernelPlugin>(sp => KernelPluginFactory.CreateFromObject(
            new DateTimePlugin(sp.GetService<TimeProvider>() ?? TimeProvider.System), DateTimePlugin.PluginName));
        services.AddSingleton<KernelPlugin>(_ => KernelPluginFactory.CreateFromObject(new MathPlugin(), MathPlugin.PluginName));
        services.AddSingleton<KernelPlugin>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<WorkspacePluginOptions>>().Value;
            var contentRoot = sp.GetService<IHostEnvironment>()?.ContentRootPath ?? AppContext.BaseDirectory;
            // Run from the repo, "../.." is the repo; installed as a tool, a root that is not there means the working directory.
            var root = Path.GetFullPath(options.Root, contentRoot);
            var paths = new WorkspacePaths(Directory.Exists(root) ? root : Directory.GetCurrentDirectory());
            return KernelPluginFactory.CreateFromObject(new WorkspacePlugin(paths, options), WorkspacePlugin.PluginName);
        });
        services.AddSingleton<KernelPlugin>(sp => KernelPluginFactory.CreateFromObject(
            new HttpGetPlugin(
                sp.GetRequiredService<IHttpClientFactory>(),
                sp.GetRequiredService<IOptions<HttpPluginOptions>>().Value,
                sp.GetService<TimeProvider>() ?? TimeProvider.System,
                sp.GetService<ILogger<HttpGetPlugin>>() ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<HttpGetPlugin>.Instance),
            HttpGetPlugin.PluginName));
        return services;
    }
}
