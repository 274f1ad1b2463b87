using System.Globalization;

namespace AgentHost.Connectors.Embedded;

/// <summary>What a GGUF file's header says about the model, read without loading the weights.</summary>
/// <param name="Path">The full path of the file.</param>
/// <param name="SizeBytes">The size of the file in bytes.</param>
/// <param name="Version">The GGUF format version (1 to 3).</param>
/// <param name="Architecture">The model architecture (<c>general.architecture</c>, e.g. <c>llama</c>), when present.</param>
/// <param name="Name">The model's own name (<c>general.name</c>), when present.</param>
/// <param name="ContextLength">The context length the model was trained for (<c>&lt;architecture&gt;.context_length</c>), when present.</param>
/// <param name="ChatTemplate">The model's chat template (<c>tokenizer.chat_template</c>), when present.</param>
/// <param name="TensorCount">How many tensors the file holds.</param>
public sealed record GgufModelInfo(
    string Path, long SizeBytes, uint Version, string? Architecture, string? Name, int? ContextLength, string? ChatTemplate, long TensorCount)
{
    /// <summary>The file name, e.g. <c>qwen2.5-0.5b-instruct-q4_k_m.gguf</c>.</summary>
    public string FileName => System.IO.Path.GetFileName(Path);

    /// <summary>The file size for people, e.g. <c>235 KB</c>, <c>469 MB</c>, <c>4.1 GB</c>.</summary>
    public string SizeText => FormatSize(SizeBytes);

    /// <summary>Formats a byte count for people (decimal units).</summary>
    public static string FormatSize(long bytes) => bytes switch
    {
        < 1_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:0.#} KB"),
        < 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.#} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.##} GB"),
    };
}
