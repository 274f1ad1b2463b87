namespace AgentHost.Backends;

/// <summary>How a backend's reply broke its protocol.</summary>
public enum BackendResponseProblem
{
    /// <summary>The body could not be parsed as the protocol's shape.</summary>
    Malformed,

    /// <summary>The reply ended before the protocol's end marker (e.g. MLX's stream without <c>done: true</c>).</summary>
    Truncated,

    /// <summary>The server reported an error inside a successful response (e.g. Ollama's <c>{"error"}</c> line).</summary>
    InBandError,

    /// <summary>The reply was well formed but held no answer.</summary>
    Empty,
}

/// <summary>
/// A backend answered, but the answer cannot be used: malformed, cut short, an in-band error or empty.
/// The chain treats it as a transient failure of that backend.
/// </summary>
public sealed class BackendResponseException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BackendResponseException(string backend, BackendResponseProblem problem, string message, string? partialText = null, Exception? innerException = null)
        : base($"{backend}: {message}", innerException)
    {
        Backend = backend;
        Problem = problem;
        PartialText = partialText;
    }

    /// <summary>The backend whose reply was unusable.</summary>
    public string Backend { get; }

    /// <summary>What was wrong with it.</summary>
    public BackendResponseProblem Problem { get; }

    /// <summary>Text received before the problem, if any.</summary>
    public string? PartialText { get; }
}
