namespace AgentHost.Fallback;

/// <summary>No backend in the order produced an answer. The message names each backend and why, in one line.</summary>
public sealed class FallbackExhaustedException : Exception
{
    /// <summary>Creates the exception from the report of the failed call.</summary>
    public FallbackExhaustedException(FallbackReport report, Exception? lastError = null)
        : base(FormatMessage(report), lastError)
    {
        ArgumentNullException.ThrowIfNull(report);
        Report = report;
    }

    /// <summary>What happened to every backend.</summary>
    public FallbackReport Report { get; }

    private static string FormatMessage(FallbackReport report) =>
        report.Attempts.Count == 0 ? "No backend answered: the fallback order holds no usable backend." : $"No backend answered: {report.Summary}";
}

/// <summary>
/// A streamed answer broke after its first content had reached the caller. The chain does not fail over then (the
/// caller already holds part of the answer); this says which backend broke and what had been streamed.
/// </summary>
public sealed class FallbackStreamInterruptedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FallbackStreamInterruptedException(string backend, string streamedText, FallbackReport report, Exception innerException)
        : base(FormatMessage(backend, streamedText, innerException), innerException)
    {
        Backend = backend;
        StreamedText = streamedText;
        Report = report;
    }

    /// <summary>The backend whose stream broke.</summary>
    public string Backend { get; }

    /// <summary>The text the caller had received before the break.</summary>
    public string StreamedText { get; }

    /// <summary>What happened to every backend.</summary>
    public FallbackReport Report { get; }

    private static string FormatMessage(string backend, string streamedText, Exception inner) =>
        $"{backend} stopped after streaming {streamedText.Length} characters: {FallbackErrorClassifier.Describe(inner)}";
}
