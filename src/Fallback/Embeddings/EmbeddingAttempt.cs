using Microsoft.Extensions.AI;

namespace AgentHost.Fallback.Embeddings;

/// <summary>
/// Runs one embedding attempt under the backend's embedding resilience (Polly v8: retry on transient failures, the
/// embedding breaker, the attempt timeout), or as a deferred trial past an open breaker (one request, no retry; a
/// success closes the circuit), and checks the answer holds one vector per input.
/// </summary>
internal static class EmbeddingAttempt
{
    /// <summary>The answer and how many requests it took; a failure is thrown as the backend's own exception.</summary>
    public static async Task<GeneratedEmbeddings<Embedding<float>>> RunAsync(EmbeddingBackend backend, bool trial, IReadOnlyList<string> values,
        EmbeddingGenerationOptions? options, Counter tries, CancellationToken cancellationToken)
    {
        var generator = backend.Generator ?? throw new InvalidOperationException($"{backend.Name} has no embedding generator.");
        var resilience = backend.Planned.Resilience;
        var pipeline = trial ? resilience.TrialPipeline : resilience.Pipeline;
        var result = await pipeline.ExecuteAsync(
            async token =>
            {
                tries.Value++;
                var answer = await generator.GenerateAsync(values, options?.Clone(), token).ConfigureAwait(false);
                return answer.Count == values.Count && answer.All(e => e.Vector.Length > 0)
                    ? answer
                    : throw new AgentHost.Backends.BackendResponseException(backend.Name, AgentHost.Backends.BackendResponseProblem.Malformed,
                        $"{answer.Count} embeddings for {values.Count} inputs{(answer.Any(e => e.Vector.Length == 0) ? ", some empty" : string.Empty)}");
            },
            cancellationToken).ConfigureAwait(false);
        if (trial)
        {
            await resilience.Breaker.TrialSucceededAsync().ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>A mutable count shared with the pipeline's callback (retries included).</summary>
    internal sealed class Counter
    {
        public int Value { get; set; }
    }
}
