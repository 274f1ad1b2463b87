namespace AgentHost.Emulators.Ollama;

/// <summary>
/// Deterministic text embeddings for the emulator: a hashed bag of words (FNV-1a per lower-cased word, signed
/// buckets), L2-normalised. Texts sharing words have a positive cosine similarity; equal texts are identical.
/// </summary>
public static class HashedEmbedding
{
    /// <summary>The number of dimensions of every vector.</summary>
    public const int Dimensions = 256;

    /// <summary>The embedding of <paramref name="text"/>.</summary>
    public static float[] Of(string text)
    {
        var vector = new float[Dimensions];
        foreach (var word in OllamaConversation.Words(text ?? string.Empty))
        {
            var hash = Fnv1a(word);
            vector[hash % Dimensions] += (hash & 0x8000_0000u) == 0 ? 1f : -1f;
        }

        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        if (norm > 0)
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] /= norm;
            }
        }

        return vector;
    }

    private static uint Fnv1a(string word)
    {
        var hash = 2166136261u;
        foreach (var c in word)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}
