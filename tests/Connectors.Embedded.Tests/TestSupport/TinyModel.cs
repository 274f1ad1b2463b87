using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentHost.Connectors.Embedded.Tests.TestSupport;

/// <summary>The shared tiny random-weight llama GGUF (../shared/testdata/tiny-gguf), and helpers around it.</summary>
internal static class TinyModel
{
    private static readonly Lazy<string> LazyPath = new(Locate);

    /// <summary>The full path of <c>tiny-llama.gguf</c>.</summary>
    public static string Path => LazyPath.Value;

    /// <summary>The file's size in bytes.</summary>
    public static long SizeBytes => new FileInfo(Path).Length;

    /// <summary>A service provider with the embedded backend over the tiny model.</summary>
    public static ServiceProvider Services(Action<EmbeddedBackendOptions>? configure = null, TimeProvider? time = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug));
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddEmbeddedChatClient(o =>
        {
            o.ModelPath = Path;
            o.MaxTokens = 24;
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    /// <summary>A copy of the model in a fresh temporary folder (for tests that remove or damage the file).</summary>
    public static string CopyToTemp(string? name = null)
    {
        var folder = Directory.CreateTempSubdirectory("embedded-tests-").FullName;
        var copy = System.IO.Path.Combine(folder, name ?? "tiny-llama.gguf");
        File.Copy(Path, copy);
        return copy;
    }

    private static string Locate()
    {
        // The repo root is the folder with agent.sln; the shared test data sits beside it.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "agent.sln")))
            {
                var model = System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "testdata", "tiny-gguf", "tiny-llama.gguf"));
                return File.Exists(model) ? model : throw new FileNotFoundException($"The tiny test model is missing at {model}.", model);
            }
        }

        throw new InvalidOperationException($"No agent.sln above {AppContext.BaseDirectory}.");
    }
}
