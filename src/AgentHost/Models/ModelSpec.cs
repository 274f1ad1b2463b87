namespace AgentHost.Models;

/// <summary>
/// What <c>models pull</c> was given, as a download: <c>owner/repo/file.gguf</c> (a file in a hub repository, at
/// <c>main</c> unless a revision is given), a full <c>https://…</c> URL, or a short alias of a small instruct model.
/// </summary>
internal sealed record ModelSpec(Uri Url, string FileName)
{
    /// <summary>Short names for small instruct models, each a public GGUF file (Q4_K_M).</summary>
    public static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["qwen2.5:0.5b"] = "Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf",
        ["qwen2.5:1.5b"] = "Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf",
        ["qwen2.5:3b"] = "Qwen/Qwen2.5-3B-Instruct-GGUF/qwen2.5-3b-instruct-q4_k_m.gguf",
        ["llama3.2:1b"] = "bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M.gguf",
        ["llama3.2:3b"] = "bartowski/Llama-3.2-3B-Instruct-GGUF/Llama-3.2-3B-Instruct-Q4_K_M.gguf",
    };

    /// <summary>Parses <paramref name="text"/>, or says in one line why it cannot.</summary>
    public static bool TryParse(string text, Uri hub, string? revision, out ModelSpec? spec, out string? error)
    {
        spec = null;
        error = null;
        text = text.Trim();
        if (Aliases.TryGetValue(text, out var aliased))
        {
            text = aliased;
        }

        if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Segments.Length < 2)
            {
                error = $"'{text}' is not a URL of a file.";
                return false;
            }

            spec = new ModelSpec(url, Uri.UnescapeDataString(url.Segments[^1]));
            return CheckName(spec, ref error);
        }

        var parts = text.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || parts.Any(p => p is "." or ".."))
        {
            error = $"'{text}' is neither <owner>/<repo>/<file>.gguf, an https:// URL, nor an alias ({string.Join(", ", Aliases.Keys)}).";
            return false;
        }

        var file = string.Join('/', parts[2..].Select(Uri.EscapeDataString));
        var path = $"{Uri.EscapeDataString(parts[0])}/{Uri.EscapeDataString(parts[1])}/resolve/{Uri.EscapeDataString(revision ?? "main")}/{file}";
        spec = new ModelSpec(new Uri(hub, path), parts[^1]);
        return CheckName(spec, ref error);
    }

    private static bool CheckName(ModelSpec spec, ref string? error)
    {
        if (spec.FileName.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) && spec.FileName.IndexOfAny(Path.GetInvalidFileNameChars()) < 0)
        {
            return true;
        }

        error = $"'{spec.FileName}' is not a .gguf file: the Embedded backend runs GGUF models only.";
        return false;
    }
}
