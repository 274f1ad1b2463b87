using AgentHost.Connectors.Embedded;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using LLama;
using LLama.Common;
using LLama.Sampling;
using LLama.Transformers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentHost.Fallback.Benchmarks.Benchmarks;

/// <summary>
/// Tokens per second of the tiny GGUF (../shared/testdata/tiny-gguf, random weights: it never stops early, so every
/// run generates exactly <see cref="Tokens"/> tokens): straight through LLamaSharp's <see cref="StatelessExecutor"/>,
/// through the Embedded connector's <see cref="IChatClient"/>, and through the chain (Embedded its only backend). Each
/// call renders the prompt with the model's template, creates a context, and streams the answer, as the connector does.
/// </summary>
[Config(typeof(TokensConfig))]
public class EmbeddedTokensBenchmarks
{
    public const int Tokens = 128;
    private const int ContextSize = 512;
    private const int Threads = 2;
    private const string Category = "Embedded tiny GGUF, 128 tokens";
    private static readonly ChatOptions Options = new() { MaxOutputTokens = Tokens, Seed = 42 };

    private ServiceProvider _services = null!;
    private IChatClient _connector = null!;
    private IChatClient _chain = null!;
    private LLamaWeights _weights = null!;
    private StatelessExecutor _executor = null!;
    private string _prompt = null!;

    /// <summary>Where the tiny model is: <c>AGENTHOST_BENCH_GGUF</c>, or ../shared/testdata/tiny-gguf/tiny-llama.gguf beside the repository.</summary>
    public static string? ModelPath()
    {
        if (Environment.GetEnvironmentVariable("AGENTHOST_BENCH_GGUF") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? Path.GetFullPath(configured) : null;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "agent.sln")))
            {
                var model = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "testdata", "tiny-gguf", "tiny-llama.gguf"));
                return File.Exists(model) ? model : null;
            }
        }

        return null;
    }

    [GlobalSetup]
    public void Setup()
    {
        var path = ModelPath() ?? throw new InvalidOperationException("Benchmark setup check failed: the tiny GGUF was not found (set AGENTHOST_BENCH_GGUF).");
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddEmbeddedChatClient(o =>
        {
            o.ModelPath = path;
            o.MaxTokens = Tokens;
            o.ContextSize = ContextSize;
            o.Threads = Threads;
        });
        services.AddFallbackChatCompletion(o => o.Order = [AgentHost.Backends.BackendNames.Embedded]);
        _services = services.BuildServiceProvider();
        _services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
        _services.GetRequiredService<BackendHealthMonitor>().ProbeAllAsync().GetAwaiter().GetResult();
        _connector = _services.GetRequiredKeyedService<IChatClient>(AgentHost.Backends.BackendNames.Embedded);
        _chain = _services.GetRequiredService<IChatClient>();

        var parameters = new ModelParams(path) { ContextSize = ContextSize, GpuLayerCount = 0, Threads = Threads, BatchThreads = Threads };
        _weights = LLamaWeights.LoadFromFile(parameters);
        _executor = new StatelessExecutor(_weights, parameters) { ApplyTemplate = false };
        var template = new LLamaTemplate(_weights) { AddAssistant = true };
        template.Add("user", ChainFixture.Messages[0].Text);
        _prompt = PromptTemplateTransformer.ToModelPrompt(template);

        var viaChain = _chain.GetResponseAsync(ChainFixture.Messages, Options).GetAwaiter().GetResult();
        ChainFixture.Check(viaChain.GetFallbackReport()?.Backend == AgentHost.Backends.BackendNames.Embedded, "the chain did not answer from Embedded");
        ChainFixture.Check(viaChain.Usage?.OutputTokenCount == Tokens, $"the chain's answer has {viaChain.Usage?.OutputTokenCount} tokens, expected {Tokens}");
        ChainFixture.Check(LLamaSharpDirect().GetAwaiter().GetResult() > 0, "LLamaSharp generated nothing");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _weights.Dispose();
        _services.Dispose();
    }

    [Benchmark(Baseline = true, Description = "LLamaSharp StatelessExecutor, stream")]
    [BenchmarkCategory(Category)]
    public async Task<int> LLamaSharpDirect()
    {
        var pieces = 0;
        var inference = new InferenceParams { MaxTokens = Tokens, SamplingPipeline = new DefaultSamplingPipeline { Seed = 42 } };
        await foreach (var piece in _executor.InferAsync(_prompt, inference).ConfigureAwait(false))
        {
            pieces += piece.Length > 0 ? 1 : 0;
        }

        return pieces;
    }

    [Benchmark(Description = "Embedded connector (IChatClient), stream")]
    [BenchmarkCategory(Category)]
    public Task<int> ConnectorStream() => CountAsync(_connector);

    [Benchmark(Description = "chain → Embedded, stream")]
    [BenchmarkCategory(Category)]
    public Task<int> ChainStream() => CountAsync(_chain);

    [Benchmark(Description = "chain → Embedded, non-streaming")]
    [BenchmarkCategory(Category)]
    public async Task<int> ChainResponse() => (int)((await _chain.GetResponseAsync(ChainFixture.Messages, Options).ConfigureAwait(false)).Usage?.OutputTokenCount ?? 0);

    private static async Task<int> CountAsync(IChatClient client)
    {
        var updates = 0;
        await foreach (var update in client.GetStreamingResponseAsync(ChainFixture.Messages, Options).ConfigureAwait(false))
        {
            updates++;
        }

        return updates;
    }

    private sealed class TokensConfig : ManualConfig
    {
        public TokensConfig() => AddColumn(new TokensPerSecondColumn());
    }

    private sealed class TokensPerSecondColumn : IColumn
    {
        public string Id => "TokensPerSecond";

        public string ColumnName => "tokens/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 2;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => $"{Tokens} generated tokens divided by the mean";

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
            Measurements.MeanNs(summary, benchmarkCase) is { } ns and > 0 ? $"{Tokens / (ns / 1e9):#,0}" : "?";
    }
}
