using AgentHost.Fallback.Benchmarks.Backends;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace AgentHost.Fallback.Benchmarks.Benchmarks;

/// <summary>
/// What the chain's pieces cost on their own, over the same in-memory backend: a Polly pipeline built like the
/// chain's (retry 1 + circuit breaker, the chain's defaults), one thread-pool hop, and a failure through Polly thrown
/// versus returned as an outcome. They bound what a chain built from these pieces can reach (see RESULTS.md).
/// </summary>
public class BuildingBlocksBenchmarks
{
    private const string Category = "Building blocks";
    private static readonly ResiliencePropertyKey<IChatClient> ClientKey = new("bench.client");

    private InMemoryChatClient _answering = null!;
    private InMemoryChatClient _refusing = null!;
    private ResiliencePipeline _pipeline = null!;

    [GlobalSetup]
    public void Setup()
    {
        _answering = new InMemoryChatClient("Primary", InMemoryBehavior.Canned);
        _refusing = new InMemoryChatClient("Primary", InMemoryBehavior.Refusing);
        _pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 1,
                Delay = TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is TimeoutException), // never true here, as for a refused connection
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = int.MaxValue, // never opens: every failure row pays for the failure
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(30),
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null),
            })
            .Build();
        Faces.CheckAnswer(PollyPipeline().GetAwaiter().GetResult().Text, "Polly pipeline");
        ChainFixture.Check(PollyOutcomeRefused().GetAwaiter().GetResult() is HttpRequestException, "the outcome row did not see the refusal");
        ChainFixture.Check(PollyThrowRefused().GetAwaiter().GetResult() is HttpRequestException, "the throwing row did not see the refusal");
    }

    [Benchmark(Baseline = true, Description = "direct backend")]
    [BenchmarkCategory(Category)]
    public Task<ChatResponse> Direct() => _answering.GetResponseAsync(ChainFixture.Messages);

    [Benchmark(Description = "Polly retry + breaker pipeline around it")]
    [BenchmarkCategory(Category)]
    public async Task<ChatResponse> PollyPipeline()
    {
        var context = ResilienceContextPool.Shared.Get();
        try
        {
            context.Properties.Set(ClientKey, _answering);
            return await _pipeline.ExecuteAsync(
                static async (ctx, _) => await ctx.Properties.GetValue(ClientKey, null!).GetResponseAsync(ChainFixture.Messages, null, ctx.CancellationToken).ConfigureAwait(false),
                context, 0).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    [Benchmark(Description = "one thread-pool hop (await Task.Yield) before it")]
    [BenchmarkCategory(Category)]
    public async Task<ChatResponse> OneHop()
    {
        await Task.Yield();
        return await _answering.GetResponseAsync(ChainFixture.Messages).ConfigureAwait(false);
    }

    [Benchmark(Description = "refused, through Polly as an outcome (ExecuteOutcomeAsync)")]
    [BenchmarkCategory(Category)]
    public async Task<Exception?> PollyOutcomeRefused()
    {
        var context = ResilienceContextPool.Shared.Get();
        try
        {
            context.Properties.Set(ClientKey, _refusing);
            var outcome = await _pipeline.ExecuteOutcomeAsync(static async (ctx, _) =>
            {
                try
                {
                    return Outcome.FromResult(await ctx.Properties.GetValue(ClientKey, null!).GetResponseAsync(ChainFixture.Messages, null, ctx.CancellationToken).ConfigureAwait(false));
                }
                catch (Exception ex)
                {
                    return Outcome.FromException<ChatResponse>(ex);
                }
            }, context, 0).ConfigureAwait(false);
            return outcome.Exception;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    [Benchmark(Description = "refused, through Polly thrown (ExecuteAsync + catch)")]
    [BenchmarkCategory(Category)]
    public async Task<Exception?> PollyThrowRefused()
    {
        try
        {
            await PollyPipelineOver(_refusing).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private async Task<ChatResponse> PollyPipelineOver(IChatClient client)
    {
        var context = ResilienceContextPool.Shared.Get();
        try
        {
            context.Properties.Set(ClientKey, client);
            return await _pipeline.ExecuteAsync(
                static async (ctx, _) => await ctx.Properties.GetValue(ClientKey, null!).GetResponseAsync(ChainFixture.Messages, null, ctx.CancellationToken).ConfigureAwait(false),
                context, 0).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
